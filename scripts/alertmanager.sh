#!/usr/bin/env bash
# A throwaway Alertmanager on loopback for tests and the demo, with one receiver that only keeps alerts.
#   alertmanager.sh start DIR [PORT]   start; writes DIR/env with ALERTMANAGER_URL
#   alertmanager.sh stop DIR           stop
#   alertmanager.sh destroy DIR        stop and remove DIR
set -euo pipefail
command=${1:?usage: alertmanager.sh start|stop|destroy DIR [PORT]}
dir=${2:?usage: alertmanager.sh start|stop|destroy DIR [PORT]}
here="$(cd "$(dirname "$0")" && pwd)"
binary=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[ -n "$binary" ] || { echo "alertmanager.sh: Alertmanager is not installed (run scripts/install-deps.sh)" >&2; exit 1; }

stop_server() {
    "$here/stop-pidfile.sh" "$dir/alertmanager.pid"
}

case "$command" in
start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ -f "$dir/port" ] || echo "${3:-$("$here/free-port.sh")}" > "$dir/port"
    port=$(cat "$dir/port")
    cat > "$dir/alertmanager.yml" <<CONF
route:
  receiver: keep
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: keep
CONF
    # No clustering (no gossip port to collide with), data under DIR.
    nohup "$binary" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$dir/alertmanager.log" 2>&1 &
    echo $! > "$dir/alertmanager.pid"
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
        sleep 0.05
    done
    curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null || { echo "alertmanager.sh: did not start; see $dir/alertmanager.log" >&2; cat "$dir/alertmanager.log" >&2; exit 1; }
    cat > "$dir/env" <<ENV
export ALERTMANAGER_URL='http://127.0.0.1:$port'
export ALERTMANAGER_DIR='$dir'
ENV
    echo "alertmanager.sh: Alertmanager listening on 127.0.0.1:$port (data in $dir)" >&2
    ;;
stop)
    stop_server
    ;;
destroy)
    stop_server
    rm -rf "$dir"
    ;;
*)
    echo "usage: alertmanager.sh start|stop|destroy DIR [PORT]" >&2
    exit 2
    ;;
esac
