#!/usr/bin/env bash
# The scaled-out setup of docker-compose.scale.yml as plain processes on this machine: PostgreSQL, an S3-protocol
# server (eng/s3), the Discord emulator with Discord's rate limits, the one-shot migration, and N app instances on N
# ports sharing the database, the bucket and the bot token. Used by the scale-out benchmark and by hand.
#
#   bash eng/scale-out.sh start <folder> [instances]   starts everything; writes <folder>/scale-out.env
#   bash eng/scale-out.sh kill <folder> <n>            kill -9 of instance n (1-based)
#   bash eng/scale-out.sh restart <folder> <n>         starts instance n again
#   bash eng/scale-out.sh token <folder> <user id>     prints a new API token for that Discord user
#   bash eng/scale-out.sh stop <folder>                stops everything it started (by the PIDs it recorded)
#
# Settings (environment): CLIPSAVER_BUILD (folder with ClipSaver.Web.dll and ClipSaver.DiscordEmulator.dll; default
# ClipSaver.Web/bin/Release/net10.0), CLIPSAVER_BASE_PORT (default 5300: the emulator, the S3 server, then the
# instances), CLIPSAVER_EMULATOR_ARGS (the emulator's world, e.g. "--Guilds 1 --Channels 100 --Messages 2000"),
# CLIPSAVER_OPERATOR (a Discord user id that is an operator; default the emulator's demo owner),
# CLIPSAVER_ENVIRONMENT (default Production; Development lets a client without TLS keep its session cookie, whose
# Secure flag Production sets). Variables such as ClipSaver__Purge__UndoWindow pass through to the instances.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
command="${1:-}"; dir="${2:-}"
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '5,10p' "$0" >&2; exit 2; }
build="${CLIPSAVER_BUILD:-$repo/ClipSaver.Web/bin/Release/net10.0}"
base="${CLIPSAVER_BASE_PORT:-5300}"
operator="${CLIPSAVER_OPERATOR:-300000000000000001}"
emulator_url="http://127.0.0.1:$base/"
s3_url="http://127.0.0.1:$((base + 1))"

as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
started() { echo "$2" > "$dir/$1.pid"; }
wait_for() { # url, what
    for _ in $(seq 1 240); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done
    echo "scale-out: $2 did not start; see $dir/*.log" >&2; exit 1
}

instance_env() { # n -> environment of app instance n
    local n="$1"
    cat <<ENV
ASPNETCORE_ENVIRONMENT=${CLIPSAVER_ENVIRONMENT:-Production}
DOTNET_USE_POLLING_FILE_WATCHER=1
ASPNETCORE_URLS=http://127.0.0.1:$((base + 1 + n))
ConnectionStrings__ClipSaver=Host=$dir/pg;Port=5432;Username=postgres;Database=clipsaver;Maximum Pool Size=50
ClipSaver__Database__MigrateOnStartup=false
ClipSaver__Operators__0=$operator
ClipSaver__Jobs__PollInterval=00:00:01
ClipSaver__Api__RequestsPerMinute=100000
ClipSaver__Storage__Kind=S3
ClipSaver__Storage__S3__ServiceUrl=$s3_url
ClipSaver__Storage__S3__Bucket=clips
ClipSaver__Storage__S3__AccessKey=S3RVER
ClipSaver__Storage__S3__SecretKey=S3RVER
Discord__ClientId=100000000000000001
Discord__ClientSecret=emulator-secret
Discord__BotToken=emulator-bot-token
Discord__ApiBaseUrl=${emulator_url}api/v10/
Discord__AuthorizeUrl=${emulator_url}oauth2/authorize
Discord__TokenUrl=${emulator_url}api/oauth2/token
Discord__CdnBaseUrl=${emulator_url}cdn/
ENV
}

start_instance() { # n; in the build folder, as the image's WORKDIR: the app's appsettings.json (log levels, job
    # workers) is read from the current folder, and without it every EF Core command and HTTP call logs at Information.
    local n="$1"
    ( set -a; eval "$(instance_env "$n" | sed 's/^\([^=]*\)=\(.*\)$/\1="\2"/')"; set +a
      cd "$build" && exec dotnet ClipSaver.Web.dll >"$dir/app-$n.log" 2>&1 ) &
    started "app-$n" $!
}

case "$command" in
start)
    instances="${3:-3}"
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"; chmod 755 "$dir"
    [ -f "$repo/eng/s3/node_modules/s3rver/package.json" ] || npm ci --prefix "$repo/eng/s3" --no-audit --no-fund --silent
    # PostgreSQL on a unix socket in its data folder, as the app's own local cluster.
    mkdir -p "$dir/pg"; [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pg"
    [ -f "$dir/pg/PG_VERSION" ] || as_postgres "$(pg_bin)/initdb" -D "$dir/pg" -U postgres --auth=trust >"$dir/initdb.log"
    as_postgres "$(pg_bin)/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w \
        -o "-c listen_addresses='' -k $dir/pg -p 5432 -c max_connections=300 -c fsync=off" start >/dev/null
    as_postgres "$(pg_bin)/psql" -h "$dir/pg" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'clipsaver'" | grep -q 1 \
        || as_postgres "$(pg_bin)/createdb" -h "$dir/pg" -U postgres clipsaver
    # The object store, with its bucket.
    mkdir -p "$dir/s3"
    node --openssl-legacy-provider "$repo/eng/s3/server.js" "$dir/s3" "$((base + 1))" clips >"$dir/s3.log" 2>&1 &
    started s3 $!
    # The emulator, with Discord's limits (its defaults).
    # shellcheck disable=SC2086
    dotnet "$build/ClipSaver.DiscordEmulator.dll" --Port "$base" ${CLIPSAVER_EMULATOR_ARGS:-} >"$dir/emulator.log" 2>&1 &
    started emulator $!
    wait_for "$s3_url/" "the S3 server"
    wait_for "${emulator_url}_emulator/world" "the emulator"
    # The one-shot migration, then the instances.
    ( set -a; eval "$(instance_env 1 | sed 's/^\([^=]*\)=\(.*\)$/\1="\2"/')"; set +a; cd "$build" && dotnet ClipSaver.Web.dll migrate ) >"$dir/migrate.log" 2>&1
    for n in $(seq 1 "$instances"); do start_instance "$n"; done
    urls=""
    for n in $(seq 1 "$instances"); do wait_for "http://127.0.0.1:$((base + 1 + n))/health/live" "instance $n"; urls="$urls http://127.0.0.1:$((base + 1 + n))/"; done
    cat >"$dir/scale-out.env" <<ENV
DATABASE=Host=$dir/pg;Port=5432;Username=postgres;Database=clipsaver
S3_URL=$s3_url
EMULATOR_URL=$emulator_url
APP_URLS=${urls# }
INSTANCES=$instances
ENV
    echo "Started $instances instances:$urls (emulator $emulator_url, S3 $s3_url, PostgreSQL in $dir/pg)"
    ;;
kill)
    kill -9 "$(cat "$dir/app-$3.pid")"
    ;;
restart)
    dir="$(cd "$dir" && pwd)"
    start_instance "$3"
    wait_for "http://127.0.0.1:$((base + 1 + $3))/health/live" "instance $3"
    ;;
token)
    dir="$(cd "$dir" && pwd)"
    ( set -a; eval "$(instance_env 1 | sed 's/^\([^=]*\)=\(.*\)$/\1="\2"/')"; set +a
      cd "$build" && dotnet ClipSaver.Web.dll tokens create --user "$3" --name scale-out ) | grep '^cs_'
    ;;
stop)
    for pid in "$dir"/*.pid; do [ -f "$pid" ] && { kill "$(cat "$pid")" 2>/dev/null || true; rm -f "$pid"; }; done
    [ -f "$dir/pg/postmaster.pid" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null || true
    ;;
*)
    sed -n '5,10p' "$0" >&2; exit 2
    ;;
esac
