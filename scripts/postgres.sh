#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback, for tests and the demo.
#   postgres.sh start DIR [PORT]   create (first time) and start; writes DIR/env with DATABASE_URL and friends
#   postgres.sh stop DIR           stop (fast shutdown), keeping the data for a later start
#   postgres.sh destroy DIR        stop and remove DIR
# As root (CI, these machines) the server runs as the postgres user, which PostgreSQL requires.
set -euo pipefail
command=${1:?usage: postgres.sh start|stop|destroy DIR [PORT]}
dir=${2:?usage: postgres.sh start|stop|destroy DIR [PORT]}
here="$(cd "$(dirname "$0")" && pwd)"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "postgres.sh: PostgreSQL is not installed (run scripts/install-deps.sh)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ ! -f "$dir/port" ]; then
        echo "${3:-$("$here/free-port.sh")}" > "$dir/port"
    fi
    port=$(cat "$dir/port")
    if [ ! -d "$dir/data" ]; then
        mkdir -p "$dir/data" "$dir/socket"
        superuser_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
        app_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
        printf '%s\n' "$superuser_password" > "$dir/superuser-password"
        printf '%s\n' "$app_password" > "$dir/app-password"
        chmod 700 "$dir"
        if [ "$(id -u)" -eq 0 ]; then
            chown -R postgres "$dir"
            runuser -u postgres -- test -r "$dir/port" || {
                echo "postgres.sh: the postgres user cannot reach $dir; make its parent directories searchable (chmod o+x)" >&2
                exit 1
            }
        fi
        as_owner "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/superuser-password" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1
        fresh=1
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
    if [ "${fresh:-0}" = 1 ]; then
        app_password=$(cat "$dir/app-password")
        as_owner "$bindir/psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
            -c "CREATE ROLE copythat LOGIN PASSWORD '$app_password'" \
            -c "CREATE DATABASE copythat OWNER copythat" >/dev/null
    fi
    app_password=$(cat "$dir/app-password")
    cat > "$dir/env" <<ENV
export DATABASE_URL='postgres://copythat:$app_password@127.0.0.1:$port/copythat'
export POSTGRES_PORT='$port'
export POSTGRES_DIR='$dir'
export POSTGRES_SOCKET_DIR='$dir/socket'
ENV
    echo "postgres.sh: PostgreSQL listening on 127.0.0.1:$port (data in $dir)" >&2
    ;;
stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    ;;
destroy)
    if [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres.sh start|stop|destroy DIR [PORT]" >&2
    exit 2
    ;;
esac
