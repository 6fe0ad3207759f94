#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for scripts/check/compose.sh.
#
#   scripts/docker-engine.sh          install (Debian's docker.io, docker-compose) and start dockerd if needed
#   scripts/docker-engine.sh stop     stop the dockerd this script started (pid in $SHIFTQ_DOCKER_STATE)
#
# On a machine whose engine already answers `docker info`, it does nothing. Otherwise it needs root:
# it installs the Debian packages, picks ONE iptables backend (nft, Debian's default) and clears a
# FORWARD policy of DROP left on the other (legacy) backend by an earlier dockerd - with both, containers
# could not reach each other here - and starts dockerd in the background (log: $SHIFTQ_DOCKER_STATE/dockerd.log).
set -euo pipefail
STATE="${SHIFTQ_DOCKER_STATE:-/var/tmp/shiftq-docker}"
log() { echo "docker-engine.sh: $*" >&2; }
die() { log "$*"; exit 1; }

if [[ "${1:-}" == stop ]]; then
  if [[ -f "$STATE/dockerd.pid" ]] && kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null; then
    pid=$(cat "$STATE/dockerd.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$STATE/dockerd.pid"
    log "stopped dockerd $pid"
  fi
  exit 0
fi

engine_up() { docker info >/dev/null 2>&1; }
engine_up && exit 0

[[ $(id -u) -eq 0 ]] || die "no Docker engine answers and this is not root; start one (sudo dockerd) and run again"
pkgs=()
command -v dockerd >/dev/null || pkgs+=(docker.io)
command -v docker-compose >/dev/null || pkgs+=(docker-compose)
command -v debootstrap >/dev/null || pkgs+=(debootstrap)
command -v iptables >/dev/null || pkgs+=(iptables)
if ((${#pkgs[@]})); then
  log "installing ${pkgs[*]} from Debian"
  apt-get update -qq
  # needrestart (if installed) would ask about services to restart; nothing here needs it.
  NEEDRESTART_SUSPEND=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

# One iptables backend: dockerd writes its rules through `iptables` (nft here); a legacy FORWARD
# chain with policy DROP beside them silently drops container-to-container traffic.
if command -v update-alternatives >/dev/null && [[ -x /usr/sbin/iptables-nft ]]; then
  update-alternatives --set iptables /usr/sbin/iptables-nft >/dev/null 2>&1 || true
  update-alternatives --set ip6tables /usr/sbin/ip6tables-nft >/dev/null 2>&1 || true
fi
if command -v iptables-legacy >/dev/null && iptables-legacy -S FORWARD 2>/dev/null | grep -q '^-P FORWARD DROP'; then
  log "clearing the legacy-iptables FORWARD policy DROP left by an earlier dockerd"
  iptables-legacy -P FORWARD ACCEPT
fi

mkdir -p "$STATE"
log "starting dockerd (log: $STATE/dockerd.log)"
setsid dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
echo $! >"$STATE/dockerd.pid"
for _ in $(seq 1 60); do
  engine_up && { log "engine up: $(docker version --format '{{.Server.Version}}')"; exit 0; }
  kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || { tail -n 20 "$STATE/dockerd.log" >&2; die "dockerd exited"; }
  sleep 1
done
tail -n 20 "$STATE/dockerd.log" >&2
die "dockerd did not answer within 60 s"
