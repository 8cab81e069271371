# Installs Debian packages with apt-get, as root or through sudo. Sourced by eng/run.sh and eng/test.sh.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

apt_updated=0
# try_install_debian_package PACKAGE WHY: non-zero when it could not be installed (not Debian, no root or sudo, offline).
try_install_debian_package() {
    local package="$1" why="$2"
    command -v apt-get >/dev/null 2>&1 || return 1
    echo "Installing the Debian package '$package' ($why)..."
    if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq || true; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

has_postgres_server() {
    command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1 && return 0
    compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

has_ffmpeg() {
    command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1
}
