#!/usr/bin/env bash
# Installs what the tests, the demo and the benchmarks need on Debian 12, and nothing that is already there.
# Safe to run again. Needs root or sudo only when something is missing.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages, by the command or package that tells whether each is present.
missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd promtool || missing+=(prometheus)
have_cmd prometheus-alertmanager || missing+=(prometheus-alertmanager)
have_pkg libpq-dev || missing+=(libpq-dev)
have_pkg libhiredis-dev || missing+=(libhiredis-dev)
have_pkg libcurl4-openssl-dev || missing+=(libcurl4-openssl-dev)
have_pkg libyaml-dev || missing+=(libyaml-dev)
have_pkg libpng-dev || missing+=(libpng-dev)
have_pkg libjpeg62-turbo-dev || missing+=(libjpeg62-turbo-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
have_cmd redis-server || missing+=(redis-server)
have_cmd curl || missing+=(curl)
have_cmd jq || missing+=(jq)
have_cmd chromium || missing+=(chromium)  # the headless browser the /graph page is tested in
have_cmd python3 || missing+=(python3)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PyPI: the independent parser the conformance tests check our exposition with, and YAML for checking examples.
pip_install() {
    python3 -m pip install --quiet "$1" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$1"
}
python3 -c 'import prometheus_client' >/dev/null 2>&1 || { echo "install-deps: installing prometheus-client (pip)" >&2; pip_install prometheus-client; }
python3 -c 'import yaml' >/dev/null 2>&1 || { echo "install-deps: installing PyYAML (pip)" >&2; pip_install PyYAML; }
