#!/usr/bin/env bash
# Builds the local base image shiftq/base-jre:17 without any image registry: a Debian bookworm root
# file system from debootstrap (minbase + a headless Java 17 runtime), imported with `docker import`.
# The services' Dockerfiles default to a public image (eclipse-temurin:17-jre) that a user pulls;
# where no registry is reachable, build with --build-arg BASE_IMAGE=shiftq/base-jre:17 instead.
#
# The root file system is cached as a tarball under ${SHIFTQ_CACHE:-~/.cache/shiftq}/docker-base/, keyed by
# the package list and suite, so a second machine run (or a pruned engine) only re-imports it.
# Needs root (debootstrap) and Debian's archive.
#
#   docker/base/build.sh            build the image if the engine does not have it yet
#   SHIFTQ_BASE_MIRROR=URL          Debian mirror (default: the first URIs: line of /etc/apt/sources.list.d/debian.sources, else deb.debian.org)
set -euo pipefail
IMAGE="${SHIFTQ_BASE_IMAGE:-shiftq/base-jre:17}"
SUITE=bookworm
# bash: health checks use /dev/tcp; ca-certificates: Java's trust store; tini is not needed (the JVM handles SIGTERM).
PACKAGES=openjdk-17-jre-headless,ca-certificates,bash
CACHE="${SHIFTQ_CACHE:-$HOME/.cache/shiftq}/docker-base"
key=$(printf '%s %s v1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-12)
tarball="$CACHE/rootfs-$SUITE-$key.tar"
log() { echo "base/build.sh: $*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1 && \
   [[ "$(docker image inspect -f '{{index .Config.Labels "io.shiftq.base.key"}}' "$IMAGE")" == "$key" ]]; then
  exit 0
fi
if [[ ! -f "$tarball" ]]; then
  [[ $(id -u) -eq 0 ]] || { log "debootstrap needs root"; exit 1; }
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  mirror="${SHIFTQ_BASE_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  mkdir -p "$CACHE"
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  log "debootstrap $SUITE from $mirror into $root (first time: a few minutes)"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 30 "$CACHE/debootstrap.log" >&2; exit 1; }
  # Smaller image: apt lists, caches, docs and man pages are not needed at run time.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
log "importing $tarball as $IMAGE"
docker import \
  -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 LANG=C.UTF-8' \
  -c 'ENV PATH=/usr/lib/jvm/java-17-openjdk-amd64/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "LABEL io.shiftq.base.key=$key" \
  -c 'CMD ["/bin/bash"]' \
  "$tarball" "$IMAGE" >/dev/null
