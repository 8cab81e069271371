// ClipSaver's only script: htmx configuration in one place.
(function () {
    "use strict";

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
            button.disabled = input.value !== input.dataset.confirmPhrase;
        }
    });
})();
