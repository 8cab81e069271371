#!/usr/bin/env bash
# Replays the Dockerfile's build stage without Docker: copies exactly what its COPY lines copy from the build context
# (honouring .dockerignore) into an empty folder, runs its RUN lines there (an absolute output path such as /app is
# moved into that folder), and fails when they fail. Then checks that the runtime stage's ENTRYPOINT dll is in what
# the runtime stage copies from the build stage. Catches a project the image needs but does not copy.
#
# Usage: bash eng/check-dockerfile.sh [Dockerfile] [build stage name]   (defaults: Dockerfile, build)
# Supports the instructions this project's Dockerfile uses: FROM, WORKDIR, COPY (shell form, no --from in the build
# stage), RUN, ENV, ENTRYPOINT (exec form); the others are ignored. Anything else it cannot replay is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
context="$PWD"
dockerfile="${1:-Dockerfile}"
stage="${2:-build}"

fail() { echo "check-dockerfile: $*" >&2; exit 1; }
[ -f "$dockerfile" ] || fail "no $dockerfile"

root="$(mktemp -d "${TMPDIR:-/tmp}/clipsaver-dockerfile.XXXXXX")"
trap 'rm -rf "$root"' EXIT

# --- .dockerignore: each pattern becomes an anchored regular expression; the last matching pattern wins. ---
ignore_regex=()
ignore_negated=()
glob_to_regex() {
    local p="$1" out="" i c next
    p="${p#/}"; p="${p%/}"
    for ((i = 0; i < ${#p}; i++)); do
        c="${p:i:1}"; next="${p:i+1:1}"
        if [ "$c" = "*" ] && [ "$next" = "*" ]; then
            if [ "${p:i+2:1}" = "/" ]; then out+="(.*/)?"; i=$((i + 2)); else out+=".*"; i=$((i + 1)); fi
        elif [ "$c" = "*" ]; then out+="[^/]*"
        elif [ "$c" = "?" ]; then out+="[^/]"
        elif [[ "$c" =~ [.+^$|(){}\\] ]]; then out+="\\$c"
        else out+="$c"
        fi
    done
    # A pattern that names a folder excludes everything under it.
    printf '^%s(/.*)?$' "$out"
}
if [ -f .dockerignore ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%$'\r'}"
        line="$(echo "$line" | sed -E 's/^[[:space:]]+|[[:space:]]+$//g')"
        [ -z "$line" ] || [ "${line:0:1}" = "#" ] && continue
        if [ "${line:0:1}" = "!" ]; then ignore_negated+=(1); line="${line:1}"; else ignore_negated+=(0); fi
        ignore_regex+=("$(glob_to_regex "$line")")
    done < .dockerignore
fi
is_ignored() {
    local path="$1" ignored=0 i
    for i in "${!ignore_regex[@]}"; do
        if [[ "$path" =~ ${ignore_regex[$i]} ]]; then
            if [ "${ignore_negated[$i]}" = 1 ]; then ignored=0; else ignored=1; fi
        fi
    done
    [ "$ignored" = 1 ]
}

# Copies one file of the context (relative path) to an absolute destination inside $root, unless ignored.
copy_file() {
    local rel="$1" dest="$2"
    is_ignored "$rel" && return 0
    mkdir -p "$(dirname "$dest")"
    cp -p "$context/$rel" "$dest"
}

# COPY <src>... <dest>: a folder's contents go into dest; files go into dest (a folder when it ends in / or when
# there are several sources).
replay_copy() {
    local workdir="$1"; shift
    local args=("$@") n=${#args[@]} dest src rel found f
    [ "$n" -ge 2 ] || fail "COPY needs a source and a destination: COPY ${args[*]}"
    dest="${args[n - 1]}"
    [ "${dest:0:1}" = "/" ] || dest="$workdir/$dest"
    local into_folder=0
    if [ "${args[n - 1]: -1}" = "/" ] || [ "$n" -gt 2 ] || [ "${args[n - 1]}" = "." ]; then into_folder=1; fi
    for src in "${args[@]:0:n-1}"; do
        found=0
        # Sources are relative to the context and may hold wildcards.
        for rel in $(cd "$context" && compgen -G "${src#/}" || true); do
            rel="${rel%/}"
            found=1
            if [ -d "$context/$rel" ]; then
                while IFS= read -r -d '' f; do
                    f="${f#./}"
                    copy_file "$rel/$f" "$root$dest/$f"
                done < <(cd "$context/$rel" && find . -type f -print0)
            elif [ "$into_folder" = 1 ]; then
                copy_file "$rel" "$root$dest/$(basename "$rel")"
            else
                copy_file "$rel" "$root$dest"
            fi
        done
        [ "$found" = 1 ] || fail "COPY source '$src' does not exist in the build context"
    done
}

# --- Read the Dockerfile: join continued lines, drop comments, split into stages. ---
instructions=()
current=""
while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    if [ -z "$current" ] && [[ "$line" =~ ^[[:space:]]*(#|$) ]]; then continue; fi
    if [[ "$line" =~ \\[[:space:]]*$ ]]; then
        current+="${line%\\*} "
        continue
    fi
    instructions+=("$current$line")
    current=""
done < "$dockerfile"

in_stage=""
workdir="/"
runtime_workdir="/"
runtime_copies=()
entrypoint=""
ran_build=0
for instruction in "${instructions[@]}"; do
    keyword="$(echo "$instruction" | awk '{print toupper($1)}')"
    rest="$(echo "$instruction" | sed -E 's/^[[:space:]]*[A-Za-z]+[[:space:]]*//')"
    if [ "$keyword" = "FROM" ]; then
        name="$(echo "$rest" | awk 'toupper($2) == "AS" {print $3}')"
        if [ "$name" = "$stage" ]; then in_stage="build"; workdir="/"; else in_stage="other"; runtime_workdir="/"; runtime_copies=(); entrypoint=""; fi
        continue
    fi

    if [ "$in_stage" = "build" ]; then
        case "$keyword" in
            WORKDIR)
                [ "${rest:0:1}" = "/" ] && workdir="$rest" || workdir="$workdir/$rest"
                mkdir -p "$root$workdir" ;;
            COPY|ADD)
                [[ "$rest" == *"--from"* ]] && fail "COPY --from in the build stage is not replayed: $instruction"
                [[ "$rest" == \[* ]] && fail "the JSON form of COPY is not replayed: $instruction"
                read -r -a words <<< "$rest"
                args=()
                for w in "${words[@]}"; do [[ "$w" == --* ]] || args+=("$w"); done
                echo "check-dockerfile: COPY ${args[*]}"
                replay_copy "$workdir" "${args[@]}" ;;
            RUN)
                # An absolute output folder (-o /app) would land outside the replay: move it into it.
                command="$(echo "$rest" | sed -E "s#(-o|--output)[[:space:]]+/#\\1 $root/#g")"
                echo "check-dockerfile: RUN $rest"
                if ! (cd "$root$workdir" && bash -euo pipefail -c "$command"); then
                    fail "the build stage's RUN failed: $rest"
                fi
                ran_build=1 ;;
        esac
    elif [ "$in_stage" = "other" ]; then
        case "$keyword" in
            WORKDIR) [ "${rest:0:1}" = "/" ] && runtime_workdir="$rest" || runtime_workdir="$runtime_workdir/$rest" ;;
            COPY) [[ "$rest" =~ --from=$stage[[:space:]]+([^[:space:]]+)[[:space:]]+([^[:space:]]+) ]] \
                && runtime_copies+=("${BASH_REMATCH[1]}|${BASH_REMATCH[2]}") ;;
            ENTRYPOINT) entrypoint="$rest" ;;
        esac
    fi
done

[ "$ran_build" = 1 ] || fail "no RUN line in the stage '$stage' of $dockerfile"

# --- The runtime stage starts a dll: it must be in what that stage copies from the build stage. ---
[ -n "$entrypoint" ] || fail "no ENTRYPOINT in the last stage of $dockerfile"
dll="$(echo "$entrypoint" | grep -oE '"[^"]+\.dll"' | head -n 1 | tr -d '"')"
[ -n "$dll" ] || fail "the ENTRYPOINT names no dll: $entrypoint"
[ "${dll:0:1}" = "/" ] || dll="$runtime_workdir/$dll"
found=""
for copy in "${runtime_copies[@]}"; do
    from="${copy%%|*}"; to="${copy#*|}"
    [ "${to:0:1}" = "/" ] || to="$runtime_workdir/$to"
    to="$(realpath -m "$to")"
    case "$(realpath -m "$dll")" in
        "$to"/*) candidate="$root$from/${dll#"$to"/}"; [ -f "$candidate" ] && found="$candidate" ;;
    esac
done
[ -n "$found" ] || fail "the ENTRYPOINT's $dll is not in the build stage's output copied by the runtime stage"
echo "check-dockerfile: the build stage restores and publishes; the ENTRYPOINT's $(basename "$dll") is in its output."
