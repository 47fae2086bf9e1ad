#!/usr/bin/env bash
# A throwaway Redis on loopback (and a unix socket), with a password and an ACL user, for tests and the demo.
#   redis.sh start DIR [PORT]   start; writes DIR/env with REDIS_URL and friends
#   redis.sh stop DIR           stop (no save), keeping DIR for a later start on the same port
#   redis.sh destroy DIR        stop and remove DIR
set -euo pipefail
command=${1:?usage: redis.sh start|stop|destroy DIR [PORT]}
dir=${2:?usage: redis.sh start|stop|destroy DIR [PORT]}
here="$(cd "$(dirname "$0")" && pwd)"
command -v redis-server >/dev/null || { echo "redis.sh: redis-server is not installed (run scripts/install-deps.sh)" >&2; exit 1; }

stop_server() {
    "$here/stop-pidfile.sh" "$dir/redis.pid"
}

case "$command" in
start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ -f "$dir/port" ] || echo "${3:-$("$here/free-port.sh")}" > "$dir/port"
    [ -f "$dir/password" ] || head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/password"
    [ -f "$dir/acl-password" ] || head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/acl-password"
    port=$(cat "$dir/port")
    password=$(cat "$dir/password")
    acl_password=$(cat "$dir/acl-password")
    cat > "$dir/redis.conf" <<CONF
port $port
bind 127.0.0.1
unixsocket $dir/redis.sock
unixsocketperm 700
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
requirepass $password
user probe on >$acl_password ~* &* +ping +info +select +auth +hello +client
CONF
    redis-server "$dir/redis.conf"
    for _ in $(seq 1 100); do
        redis-cli -p "$port" -a "$password" --no-auth-warning ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    cat > "$dir/env" <<ENV
export REDIS_URL='redis://:$password@127.0.0.1:$port/0'
export REDIS_ACL_URL='redis://probe:$acl_password@127.0.0.1:$port/0'
export REDIS_SOCKET_URL='unix://$dir/redis.sock?db=0&password=$password'
export REDIS_PORT='$port'
export REDIS_DIR='$dir'
ENV
    echo "redis.sh: Redis listening on 127.0.0.1:$port (data in $dir)" >&2
    ;;
stop)
    stop_server
    ;;
destroy)
    stop_server
    rm -rf "$dir"
    ;;
*)
    echo "usage: redis.sh start|stop|destroy DIR [PORT]" >&2
    exit 2
    ;;
esac
