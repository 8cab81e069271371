#!/usr/bin/env bash
# Runs every ClipSaver test: build (warnings are errors), formatting check, the Dockerfile's build stage replayed
# without Docker (eng/check-dockerfile.sh), then the whole test suite against a PostgreSQL cluster and an S3-protocol
# server (eng/s3) the tests start themselves, and the system's Chromium. Installs what is missing where it can.
set -euo pipefail
cd "$(dirname "$0")/.."

source eng/debian-packages.sh

install_debian_package() {
    if ! try_install_debian_package "$1" "needed by the tests"; then
        echo "Could not install '$1'. Install it yourself: sudo apt-get install $1" >&2
        exit 1
    fi
}

has_postgres_server || install_debian_package postgresql
command -v "${CLIPSAVER_CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1 || install_debian_package chromium
# Thumbnails and clip metadata are made with Debian's ffmpeg and ffprobe (one package).
has_ffmpeg || install_debian_package ffmpeg
command -v node >/dev/null 2>&1 || install_debian_package nodejs
command -v npm >/dev/null 2>&1 || install_debian_package npm
# The S3-protocol server's packages, at the versions in eng/s3/package-lock.json.
[ -f eng/s3/node_modules/s3rver/package.json ] || npm ci --prefix eng/s3 --no-audit --no-fund --silent

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Test hosts never edit their settings files: no file watchers, so the suite's many hosts (and the app processes some
# tests start) stay clear of the per-user limit of 128 inotify instances.
export DOTNET_HOSTBUILDER__RELOADCONFIGONCHANGE=false
dotnet tool restore >/dev/null
dotnet build ClipSaver.sln -c Release -nologo -clp:ErrorsOnly
dotnet format ClipSaver.sln --verify-no-changes --no-restore --severity warn
# The production image's build stage, replayed without Docker (restore and publish from exactly what it copies).
bash eng/check-dockerfile.sh >/dev/null || { echo "The Dockerfile's build stage fails: run bash eng/check-dockerfile.sh to see why." >&2; exit 1; }

results="artifacts/test-results"
rm -rf "$results"
mkdir -p artifacts
set +e
# A test that shows no progress for 10 minutes (the slowest takes about 2) is a hang: the runner names it, dumps the
# test host and stops the run, so that a hang fails in minutes with its name instead of running into CI's limit.
# The whole run has an hour (it takes 8 to 16 minutes): should the runner itself ever stall, the command still ends.
timeout --kill-after=1m 60m dotnet test ClipSaver.sln -c Release --no-build --nologo --results-directory "$results" --logger "console;verbosity=minimal" --logger "trx;LogFileName=results.trx" \
    --blame-hang-timeout 10m --blame-hang-dump-type full "$@" 2>&1 | tee "$results.log"
status=${PIPESTATUS[0]}
[ "$status" -ne 124 ] || echo "The test run did not end within 60 minutes and was stopped." >&2
# Where a hung test host's tasks were waiting, read from its dump; the dump itself (gigabytes) is not kept.
while IFS= read -r dump; do
    echo
    echo "The test host hung; what its tasks and threads were waiting on ($(basename "$dump")):"
    timeout 600 dotnet dotnet-dump analyze "$dump" -c "dumpasync --coalesce" -c "clrstack -all" -c exit 2>&1 | head -n 400
    rm -f "$dump"
done < <(find "$results" -name '*hangdump*.dmp' -not -path '*/In/*' 2>/dev/null)
# The hung test's name once more at the end, where a reader of the last lines sees it.
grep -A 2 -E "The tests? running when the crash occurred" "$results.log" 2>/dev/null
set -e

# One closing line a person (or CI) can read: "N passed, N failed, N skipped".
summary=$( (grep -hoE '<Counters [^>]*' "$results"/*.trx 2>/dev/null || true) \
    | sed -E 's/.*passed="([0-9]+)" failed="([0-9]+)".*notExecuted="([0-9]+)".*/\1 \2 \3/' \
    | awk '{p+=$1; f+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
echo
echo "$summary"
exit "$status"
