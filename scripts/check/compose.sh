#!/usr/bin/env bash
# Runs docker-compose.yml for real, end to end, and tears it down again:
#   1. a Docker engine (scripts/docker-engine.sh: Debian's docker.io and docker-compose, dockerd started if none answers),
#   2. Fashion-MNIST (Debian's dataset-fashion-mnist) and the service jars (mvn -B -q -DskipTests package when stale),
#   3. images without any registry: the Java base from debootstrap (docker/base/build.sh), the broker image from the
#      Kafka jars on Maven Central (docker/kafka/), the five services FROM that base (docker-compose build),
#   4. docker-compose up, every service healthy, a small job (configs/examples/tiny.yaml) submitted with the CLI
#      from the host, `shiftq watch` until its report, the report read over the reporting service's REST API,
#   5. docker-compose down -v (and dockerd stopped again if this script started it).
# Prints the time of each phase. Exit 0 only if the job ended with a report.
#
# Environment:
#   SHIFTQ_CACHE                  downloads and the base root file system (default ~/.cache/shiftq)
#   SHIFTQ_CHECK_CONFIG           job config (default configs/examples/tiny.yaml)
#   SHIFTQ_CHECK_TIMEOUT          seconds to wait for the report (default 1200)
#   SHIFTQ_KAFKA_PORT, SHIFTQ_HTTP_PORT   host ports (default 39092, 38080: clear of a developer's 9092/8080)
#   SHIFTQ_CHECK_KEEP=1           leave the stack running afterwards (docker-compose -p shiftqcheck down -v stops it)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
REPO_ROOT=$PWD
CACHE="${SHIFTQ_CACHE:-$HOME/.cache/shiftq}"
CONFIG="${SHIFTQ_CHECK_CONFIG:-configs/examples/tiny.yaml}"
TIMEOUT="${SHIFTQ_CHECK_TIMEOUT:-1200}"
export SHIFTQ_KAFKA_PORT="${SHIFTQ_KAFKA_PORT:-39092}" SHIFTQ_HTTP_PORT="${SHIFTQ_HTTP_PORT:-38080}"
export COMPOSE_PROJECT_NAME=shiftqcheck
export SHIFTQ_BASE_IMAGE=shiftq/base-jre:17
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/kafka/pom.xml)
export SHIFTQ_KAFKA_IMAGE="shiftq/kafka:$KAFKA_VERSION"
SERVICES=(calibration ptq qat final-ptq reporting)
CLI_JAR=cli/target/shiftq-cli.jar

START=$SECONDS
PHASE_START=$SECONDS
say() { printf 'compose-check [%4ds]: %s\n' "$((SECONDS - START))" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }
TIMES=()
phase_done() { TIMES+=("$(printf '%-34s %5ds' "$1" "$((SECONDS - PHASE_START))")"); PHASE_START=$SECONDS; }

STARTED_ENGINE=0
UP=0
cleanup() {
  local code=$?
  if ((UP)); then
    if ((code != 0)); then
      say "logs of the stack (last 40 lines per service):"
      docker-compose logs --no-color --tail 40 >&2 || true
    fi
    if [[ "${SHIFTQ_CHECK_KEEP:-0}" == 1 ]]; then
      say "left running (SHIFTQ_CHECK_KEEP=1): docker-compose -p $COMPOSE_PROJECT_NAME down -v stops it"
    else
      say "docker-compose down -v"
      docker-compose down -v --remove-orphans >/dev/null 2>&1 || true
    fi
  fi
  if ((STARTED_ENGINE)) && [[ "${SHIFTQ_CHECK_KEEP:-0}" != 1 ]]; then scripts/docker-engine.sh stop || true; fi
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. engine ------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  scripts/docker-engine.sh
  STARTED_ENGINE=1
fi
command -v docker-compose >/dev/null || scripts/docker-engine.sh
say "Docker $(docker version --format '{{.Server.Version}}'), $(docker-compose version --short)"
phase_done "engine"

# --- 2. data and jars -----------------------------------------------------------------------
need_fashion_mnist
jars=("$CLI_JAR")
for s in "${SERVICES[@]}"; do jars+=("services/$s/target/quarkus-app/quarkus-run.jar"); done
stale=0
for j in "${jars[@]}"; do [[ -f $j ]] || stale=1; done
if ((!stale)); then
  oldest=$(ls -tr "${jars[@]}" | head -1)
  [[ -z $(find pom.xml shared-schema engine cli services -path '*/target' -prune -o -path '*/src/main/docker' -prune \
    -o -type f -newer "$oldest" -print -quit) ]] || stale=1
fi
if ((stale)); then
  say "building the jars (mvn -B -q -DskipTests package)"
  mvn -B -q -DskipTests package
fi
phase_done "dataset + jars"

# --- 3. images ------------------------------------------------------------------------------
docker/base/build.sh
phase_done "base image (debootstrap/import)"
if ! docker image inspect "$SHIFTQ_KAFKA_IMAGE" >/dev/null 2>&1; then
  libs="$CACHE/kafka-libs-$KAFKA_VERSION"
  if [[ ! -f "$libs/.complete" ]]; then
    say "fetching the Kafka $KAFKA_VERSION jars from Maven Central"
    rm -rf "$libs"
    mvn -B -q -Dstyle.color=never -f scripts/kafka/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$libs" -DincludeScope=runtime >/dev/null
    touch "$libs/.complete"
  fi
  ctx=$(mktemp -d)
  cp -r docker/kafka/. "$ctx/"
  rm -rf "$ctx/libs"; mkdir "$ctx/libs"; cp "$libs"/*.jar "$ctx/libs/"
  say "building $SHIFTQ_KAFKA_IMAGE"
  docker build -q --build-arg BASE_IMAGE="$SHIFTQ_BASE_IMAGE" -t "$SHIFTQ_KAFKA_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
phase_done "kafka image"
say "docker-compose build (${SERVICES[*]})"
docker-compose build -q "${SERVICES[@]}"
phase_done "service images"

# --- 4. up, job, report ---------------------------------------------------------------------
docker-compose down -v --remove-orphans >/dev/null 2>&1 || true
UP=1
say "docker-compose up -d"
docker-compose up -d "${SERVICES[@]}"
for s in kafka "${SERVICES[@]}"; do
  id=$(docker-compose ps -q "$s")
  for _ in $(seq 1 180); do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || echo gone)
    [[ $state == healthy ]] && break
    [[ $state == gone || $(docker inspect -f '{{.State.Status}}' "$id") == exited ]] && die "$s stopped during start-up"
    sleep 2
  done
  [[ $state == healthy ]] || die "$s not healthy after 360 s"
done
say "all healthy: kafka ${SERVICES[*]}"
phase_done "up until healthy"

cli() { java -jar "$CLI_JAR" --bootstrap "127.0.0.1:$SHIFTQ_KAFKA_PORT" "$@"; }
JOB_ID=$(cli submit "$CONFIG")
say "submitted $CONFIG as job $JOB_ID"
cli watch "$JOB_ID" --timeout "$TIMEOUT" || die "job $JOB_ID ended without a report"
phase_done "job (submit to report)"
report=$(curl -sf "http://127.0.0.1:$SHIFTQ_HTTP_PORT/jobs/$JOB_ID/report") || die "no report over REST for $JOB_ID"
python3 - "$report" <<'PY' || die "the report lacks the expected fields"
import json, sys
r = json.loads(sys.argv[1])
for k in ("initial_accuracy", "ptq_accuracy", "qat_best_accuracy", "final_accuracy", "final_quantization_details"):
    assert k in r, "missing " + k
print("report: initial %.2f%%, ptq %.2f%%, qat best %.2f%%, final %.2f%%, %d quantizer entries" % (
    r["initial_accuracy"], r["ptq_accuracy"], r["qat_best_accuracy"], r["final_accuracy"],
    len(r["final_quantization_details"])))
PY
docker-compose exec -T reporting test -s "/var/lib/shiftq/artifacts/$JOB_ID/report.json" ||
  die "report.json is not in the shared artifacts volume"
say "report.json is in the shared volume; job $JOB_ID done"
phase_done "report check"

# --- 5. down --------------------------------------------------------------------------------
if [[ "${SHIFTQ_CHECK_KEEP:-0}" != 1 ]]; then
  docker-compose down -v --remove-orphans >/dev/null 2>&1
  UP=0
  phase_done "down -v"
fi
say "passed in $((SECONDS - START)) s"
printf '  %s\n' "${TIMES[@]}"
