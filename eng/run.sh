#!/usr/bin/env bash
# Runs ClipSaver on this machine (demo mode without configuration, README "Run it"). Installs what it uses where it is
# missing and it can (Debian packages, with apt-get as root or through sudo): the PostgreSQL server its local database
# is started from, and FFmpeg for the clips' previews. Without FFmpeg the app still runs: clips wait for their
# previews, and /health/ready and /admin say what is missing. Extra arguments go to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
source eng/debian-packages.sh

# A configured connection string needs no local server.
if [ -z "${ConnectionStrings__ClipSaver:-}" ] && ! has_postgres_server; then
    try_install_debian_package postgresql "ClipSaver starts its local database from it" \
        || echo "Warning: could not install the PostgreSQL server (sudo apt-get install postgresql); the app says what it needs." >&2
fi

if ! has_ffmpeg; then
    try_install_debian_package ffmpeg "for the clips' previews" \
        || echo "Warning: could not install FFmpeg (sudo apt-get install ffmpeg). ClipSaver runs without previews: clips wait for them until it is installed." >&2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run --project ClipSaver.Web -- "$@"
