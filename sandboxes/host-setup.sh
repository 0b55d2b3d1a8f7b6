#!/usr/bin/env bash
# Make this host able to build and run the sandbox: a Docker engine that answers, and the
# tools the image build needs. On a laptop with Docker this only checks; on a fresh Debian
# machine as root it installs docker.io and mmdebstrap and starts dockerd in the background.
set -euo pipefail

log() { echo "host-setup: $*" >&2; }

engine_up() { docker info >/dev/null 2>&1; }

if engine_up; then
    exit 0
fi

if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
    log "no Docker engine answers. Start Docker (Docker Desktop, or 'sudo systemctl start docker')"
    log "or set DOCKER_HOST, then run make again."
    exit 3
fi

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "starting dockerd in the background (log: /var/log/flask-grader-dockerd.log)"
nohup dockerd >/var/log/flask-grader-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
    if engine_up; then
        exit 0
    fi
    sleep 1
done
log "dockerd did not answer within 60 s; see /var/log/flask-grader-dockerd.log"
exit 3
