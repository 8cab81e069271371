// ClipSaver's only script: htmx configuration in one place.
(function () {
    "use strict";

    // With the script running, a phone's menu folds behind its button (without it, the menu stays open).
    document.documentElement.classList.add("js");
    document.addEventListener("click", function (event) {
        var toggle = event.target instanceof Element ? event.target.closest(".nav-toggle") : null;
        if (toggle) {
            var open = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", open ? "true" : "false");
            toggle.closest(".nav").classList.toggle("nav-open", open);
        }
    });

    // Every htmx request carries the antiforgery token from the layout's meta tag.
    document.addEventListener("htmx:configRequest", function (event) {
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (meta) {
            event.detail.headers["RequestVerificationToken"] = meta.getAttribute("content");
        }
    });

    // htmx 2 does not swap 4xx answers. ClipSaver's 400, 409, 422 and 429 fragments say what went wrong in words,
    // so they are swapped like any answer; other errors keep htmx's default (no swap).
    document.addEventListener("htmx:beforeSwap", function (event) {
        var status = event.detail.xhr.status;
        if (status === 400 || status === 409 || status === 422 || status === 429) {
            event.detail.shouldSwap = true;
            event.detail.isError = false;
        }
    });
})();

// Type-to-confirm: a danger button stays disabled until its phrase is typed exactly (the server checks again).
(function () {
    "use strict";
    document.addEventListener("input", function (event) {
        var input = event.target;
        if (!(input instanceof HTMLInputElement) || !input.dataset.confirmPhrase || !input.form) {
            return;
        }
        var button = input.form.querySelector("button[type=submit]");
        if (button) {
            button.disabled = input.value !== input.dataset.confirmPhrase && input.value !== input.dataset.confirmAlso;
        }
    });
})();

// A purge's progress block is refreshed every 2 seconds. Screen readers hear it only when its state or step changes
// (the block's data-announce, copied into the danger zone's polite live region), and a keyboard user whose focus was
// inside a block that changed shape (its Cancel button gone once the purge starts) lands on the block, not the page.
(function () {
    "use strict";
    var hadFocus = null;
    document.addEventListener("htmx:beforeSwap", function (event) {
        var target = event.detail.target;
        hadFocus = target && target.classList && target.classList.contains("purge-run") && target.contains(document.activeElement) ? target.id : null;
    });
    document.addEventListener("htmx:afterSettle", function (event) {
        var run = event.target instanceof Element && event.target.id ? document.getElementById(event.target.id) : null;
        if (!run || !run.classList.contains("purge-run")) {
            return;
        }
        var announcer = document.getElementById("purge-announcer");
        var text = run.getAttribute("data-announce");
        if (announcer && text && announcer.textContent !== text) {
            announcer.textContent = text;
        }
        if (hadFocus === run.id && (document.activeElement === document.body || document.activeElement === null)) {
            run.focus({ preventScroll: true });
        }
        hadFocus = null;
    });
})();

// A card's poster becomes the player when clicked (or Enter/Space on it): the grid loads small pictures, not videos.
(function () {
    "use strict";
    document.addEventListener("click", function (event) {
        var button = event.target instanceof Element ? event.target.closest("button.poster") : null;
        if (!button) {
            return;
        }
        var video = document.createElement("video");
        video.controls = true;
        video.preload = "metadata";
        video.dataset.clip = button.dataset.play;
        var poster = button.querySelector("img");
        if (poster) {
            video.poster = poster.src;
        }
        video.src = button.dataset.src;
        button.replaceWith(video);
        video.focus();
        video.play().catch(function () { /* the controls are there; a blocked autoplay is not an error */ });
    });
})();

// A video the browser cannot play (a broken or unusual file) says so over the player, with the download link.
(function () {
    "use strict";
    document.addEventListener("error", function (event) {
        var video = event.target;
        if (!(video instanceof HTMLVideoElement) || !video.parentElement) {
            return;
        }
        var message = video.parentElement.querySelector(".player-error");
        if (message) {
            message.hidden = false;
        }
    }, true);
})();
