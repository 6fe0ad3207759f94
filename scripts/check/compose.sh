#!/usr/bin/env bash
# Runs docker-compose.yml for real, end to end, both variants, and tears it down again:
#   1. a Docker engine (scripts/docker-engine.sh: Debian's docker.io and docker-compose, dockerd started if none answers),
#   2. Fashion-MNIST (Debian's dataset-fashion-mnist) and the jars (mvn -B -q -DskipTests package when stale; it also
#      puts the engine's tools and their runtime jars in tools/target/lib for the AIMET worker's integer check),
#   3. images without any registry: the Java base from debootstrap (docker/base/build.sh), the broker image from the
#      Kafka jars on Maven Central (docker/kafka/), the five services FROM that base (docker-compose build), and the
#      AIMET worker FROM the same base (services/aimet-worker/Dockerfile: Python 3.11 from Debian, the locked wheels
#      from PyPI, the host's extra CA certificates for pip so that a TLS-inspecting proxy is trusted),
#   4. docker-compose up with the `aimet` profile, every service healthy and the worker consuming, the same small job
#      (configs/examples/tiny.yaml) submitted twice with the CLI from the host, as `custom` and as `aimet`,
#      `shiftq watch` until both reports, both read over the reporting service's REST API (the aimet one with an
#      integer_check of 0 mismatches), both report.json files in the shared artifact volume,
#   5. docker-compose down -v (and dockerd stopped again if this script started it).
# Prints the time of each phase. Exit 0 only if both jobs ended with a report.
#
# Measured on the 2-core development machine (docs/aimet.md, "The worker in the compose check"): the worker's image
# is 7.36 GB; its cold build took 148-192 s (3 GB of wheels, then pip), a rebuild after a code change 2 s (the pip
# layer stays in the engine's build cache between runs). The whole check: 144-150 s warm (both jobs; 130 s before the
# worker was in it), 365 s with no image and an empty SHIFTQ_CACHE (Docker installed, jars built).
#
# Environment:
#   SHIFTQ_CACHE                  downloads and the base root file system (default ~/.cache/shiftq)
#   SHIFTQ_CHECK_CONFIG           job config of both jobs (default configs/examples/tiny.yaml)
#   SHIFTQ_CHECK_TIMEOUT          seconds to wait for the report (default 1200)
#   SHIFTQ_KAFKA_PORT, SHIFTQ_HTTP_PORT   host ports (default 39092, 38080: clear of a developer's 9092/8080)
#   SHIFTQ_CHECK_KEEP=1           leave the stack running afterwards
#                                 (COMPOSE_PROFILES=aimet docker-compose -p shiftqcheck down -v stops it)
#   COMPOSE_PROJECT_NAME          compose project (default shiftqcheck), e.g. for two checks on one engine
#   SHIFTQ_EXTRA_CA_CERTS         PEM certificates pip trusts in the worker's build (default: the host's
#                                 /usr/local/share/ca-certificates/*.crt, Debian's place for locally added ones)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
REPO_ROOT=$PWD
CACHE="${SHIFTQ_CACHE:-$HOME/.cache/shiftq}"
CONFIG="${SHIFTQ_CHECK_CONFIG:-configs/examples/tiny.yaml}"
TIMEOUT="${SHIFTQ_CHECK_TIMEOUT:-1200}"
export SHIFTQ_KAFKA_PORT="${SHIFTQ_KAFKA_PORT:-39092}" SHIFTQ_HTTP_PORT="${SHIFTQ_HTTP_PORT:-38080}"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-shiftqcheck}"
# The aimet-worker service is in this profile; with it set, every docker-compose call below (down -v too) includes it.
export COMPOSE_PROFILES=aimet
WORKER_IMAGE="shiftq/aimet-worker:${SHIFTQ_TAG:-dev}"
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
      say "left running (SHIFTQ_CHECK_KEEP=1): COMPOSE_PROFILES=aimet docker-compose -p $COMPOSE_PROJECT_NAME down -v stops it"
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
compgen -G 'tools/target/lib/engine-*.jar' >/dev/null || stale=1
if ((!stale)); then
  oldest=$(ls -tr "${jars[@]}" | head -1)
  [[ -z $(find pom.xml shared-schema engine tools cli services -path '*/target' -prune -o -path '*/src/main/docker' \
    -prune -o -path '*/aimet-worker' -prune -o -type f -newer "$oldest" -print -quit) ]] || stale=1
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
# The legacy builder (the Debian client has no buildx) on the host's network: pip reaches PyPI as the host does.
say "building $WORKER_IMAGE (first time: about 3 minutes, 3 GB of wheels)"
extra_ca=${SHIFTQ_EXTRA_CA_CERTS-$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)}
build_log="$CACHE/aimet-worker-build.log"
mkdir -p "$CACHE"
DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE_IMAGE="$SHIFTQ_BASE_IMAGE" \
  --build-arg EXTRA_CA_CERTS="$extra_ca" -f services/aimet-worker/Dockerfile -t "$WORKER_IMAGE" . >"$build_log" 2>&1 ||
  { tail -n 40 "$build_log" >&2; die "the aimet-worker image did not build (log: $build_log)"; }
say "$WORKER_IMAGE: $(docker image inspect -f '{{.Size}}' "$WORKER_IMAGE" | awk '{printf "%.2f GB", $1 / 1e9}')"
phase_done "aimet-worker image"

# --- 4. up, job, report ---------------------------------------------------------------------
docker-compose down -v --remove-orphans >/dev/null 2>&1 || true
UP=1
say "docker-compose up -d"
docker-compose up -d --no-build "${SERVICES[@]}" aimet-worker
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
# The worker has no HTTP endpoint: it is up once it logs that it consumes the request topic. (grep reads all of the
# log, not -q: under pipefail, docker logs killed by SIGPIPE after an early match would make the match a failure.)
id=$(docker-compose ps -q aimet-worker)
consuming=0
for _ in $(seq 1 180); do
  if docker logs "$id" 2>&1 | grep ' consuming ' >/dev/null; then consuming=1; break; fi
  [[ $(docker inspect -f '{{.State.Status}}' "$id") == running ]] || die "aimet-worker stopped during start-up"
  sleep 2
done
((consuming)) || die "aimet-worker not consuming after 360 s"
say "all healthy: kafka ${SERVICES[*]}; aimet-worker consuming"
phase_done "up until healthy"

cli() { java -jar "$CLI_JAR" --bootstrap "127.0.0.1:$SHIFTQ_KAFKA_PORT" "$@"; }
# Both jobs run at once, on the same config: the Java stages take one, the worker the other.
JOB_ID=$(cli submit "$CONFIG")
say "submitted $CONFIG as job $JOB_ID (custom)"
AIMET_JOB_ID=$(cli submit "$CONFIG" --variant aimet)
say "submitted $CONFIG as job $AIMET_JOB_ID (aimet)"
cli watch "$JOB_ID" --timeout "$TIMEOUT" || die "job $JOB_ID ended without a report"
phase_done "custom job (submit to report)"
cli watch "$AIMET_JOB_ID" --timeout "$TIMEOUT" || die "job $AIMET_JOB_ID ended without a report"
phase_done "aimet job (after the custom one)"
# The report over REST with the fields of both variants; the aimet one also with its integer check, exact.
check_report() {
  local job=$1 variant=$2 report
  report=$(curl -sf "http://127.0.0.1:$SHIFTQ_HTTP_PORT/jobs/$job/report") || die "no report over REST for $job"
  python3 - "$report" "$variant" <<'PY' || die "the $variant report of $job lacks the expected fields"
import json, sys
r, variant = json.loads(sys.argv[1]), sys.argv[2]
for k in ("initial_accuracy", "ptq_accuracy", "qat_best_accuracy", "final_accuracy", "final_quantization_details"):
    assert k in r, "missing " + k
assert r.get("variant", "custom") == variant, "variant %r, expected %r" % (r.get("variant"), variant)
line = "%s report: initial %.2f%%, ptq %.2f%%, qat best %.2f%%, final %.2f%%, %d quantizer entries" % (
    variant, r["initial_accuracy"], r["ptq_accuracy"], r["qat_best_accuracy"], r["final_accuracy"],
    len(r["final_quantization_details"]))
if variant == "aimet":
    ic = r.get("integer_check")
    assert ic, "no integer_check in the aimet report"
    assert ic["prediction_mismatches"] == 0 and ic["logit_mismatches"] == 0, "integer_check: %r" % ic
    line += "; integer_check: %d images, %.2f%%, 0 / 0 mismatches" % (ic["images"], ic["integer_accuracy"])
print(line)
PY
  docker-compose exec -T reporting test -s "/var/lib/shiftq/artifacts/$job/report.json" ||
    die "report.json of $job is not in the shared artifacts volume"
}
check_report "$JOB_ID" custom
check_report "$AIMET_JOB_ID" aimet
say "both report.json files are in the shared volume; jobs $JOB_ID and $AIMET_JOB_ID done"
phase_done "report check"

# --- 5. down --------------------------------------------------------------------------------
if [[ "${SHIFTQ_CHECK_KEEP:-0}" != 1 ]]; then
  docker-compose down -v --remove-orphans >/dev/null 2>&1
  UP=0
  phase_done "down -v"
fi
say "passed in $((SECONDS - START)) s"
printf '  %s\n' "${TIMES[@]}"
