#!/usr/bin/env bash
# The whole shiftq pipeline on this machine, from a fresh clone to a report:
#   1. the Fashion-MNIST dataset (Debian package dataset-fashion-mnist) if it is missing,
#   2. the build (mvn install) if a service jar or the CLI jar is missing or older than the sources,
#   3. a local Kafka broker (scripts/kafka.sh, no Docker) and the shiftq topics,
#   4. the five services in the background (logs in .shiftq/logs, one artifact store),
#   5. a request for configs/examples/demo.yaml, then `shiftq watch` until the report,
# and stops what it started when it ends, fails or is interrupted.
#
#   scripts/demo.sh [CONFIG.yaml]     default configs/examples/demo.yaml
#
# Environment:
#   SHIFTQ_REBUILD=1        build even when the jars exist
#   SHIFTQ_ARTIFACTS_ROOT   the artifact store (default <repo>/.shiftq/artifacts)
#   SHIFTQ_DEMO_TIMEOUT     seconds to wait for the report (default 1800)
#   SHIFTQ_KEEP_RUNNING=1   leave the broker and services running at the end (stop them with Ctrl-C later)
#   SHIFTQ_PORT_BASE        HTTP ports: reporting on this one, the stages on the next four (default 8080)
#   KAFKA_PORT              broker port (default 9092), as in scripts/kafka.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$REPO_ROOT"
. scripts/lib.sh

CONFIG="${1:-configs/examples/demo.yaml}"
STATE_DIR="$REPO_ROOT/.shiftq"
LOG_DIR="$STATE_DIR/logs"
ARTIFACTS="${SHIFTQ_ARTIFACTS_ROOT:-$STATE_DIR/artifacts}"
TIMEOUT="${SHIFTQ_DEMO_TIMEOUT:-1800}"
CLI_JAR="$REPO_ROOT/cli/target/shiftq-cli.jar"
# name:port, in pipeline order; every service answers /q/health/ready on its port.
PORT_BASE="${SHIFTQ_PORT_BASE:-8080}"
SERVICES=(calibration:$((PORT_BASE + 1)) ptq:$((PORT_BASE + 2)) qat:$((PORT_BASE + 3)) final-ptq:$((PORT_BASE + 4))
  reporting:"$PORT_BASE")
# DJL never reaches for the network (docs/architecture.md): libtorch comes from the pytorch-native-cpu jar.
STAGE_JAVA_OPTS="${SHIFTQ_STAGE_JAVA_OPTS:--Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -Xmx3g}"
REPORTING_JAVA_OPTS="${SHIFTQ_REPORTING_JAVA_OPTS:--Xmx512m}"
# OpenMP threads that sleep between operations and a malloc that keeps freed tensors (lib.sh), as in the images.
engine_env


STARTED_PIDS=()
STARTED_BROKER=0
cleanup() {
  local code=$?
  if [[ "${SHIFTQ_KEEP_RUNNING:-0}" == 1 && $code -eq 0 ]]; then
    say "left running: services ${STARTED_PIDS[*]:-none}; logs in $LOG_DIR"
    return
  fi
  if ((${#STARTED_PIDS[@]})); then
    say "stopping the services"
    kill "${STARTED_PIDS[@]}" 2>/dev/null || true
    for pid in "${STARTED_PIDS[@]}"; do
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
  if ((STARTED_BROKER)); then
    say "stopping the broker"
    scripts/kafka.sh stop >/dev/null 2>&1 || true
  fi
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. dataset ---------------------------------------------------------------------------
need_dataset() { grep -qiE '^\s*dataset:\s*"?fashion' "$CONFIG" 2>/dev/null; }
[[ -f "$CONFIG" ]] || die "config $CONFIG not found"
if need_dataset; then need_fashion_mnist; fi

# --- 2. build -----------------------------------------------------------------------------
jar_of() { echo "$REPO_ROOT/services/$1/target/quarkus-app/quarkus-run.jar"; }
built=1
for entry in "${SERVICES[@]}"; do [[ -f "$(jar_of "${entry%%:*}")" ]] || built=0; done
[[ -f "$CLI_JAR" ]] || built=0
# Jars older than any source or pom would run yesterday's code: rebuild then too.
if [[ $built -eq 1 ]]; then
  oldest=$(ls -tr "$CLI_JAR" $(for e in "${SERVICES[@]}"; do jar_of "${e%%:*}"; done) | head -1)
  changed=$(find "$REPO_ROOT/pom.xml" "$REPO_ROOT"/{shared-schema,engine,test-support,cli,services} \
    -path '*/target' -prune -o -type f -newer "$oldest" -print -quit)
  [[ -z "$changed" ]] || { say "sources changed since the last build ($changed)"; built=0; }
fi
if [[ $built -eq 0 || "${SHIFTQ_REBUILD:-0}" == 1 ]]; then
  say "building (mvn -B -q -DskipTests install; the first build downloads dependencies)"
  mvn -B -q -DskipTests install
fi
for entry in "${SERVICES[@]}"; do
  [[ -f "$(jar_of "${entry%%:*}")" ]] || die "$(jar_of "${entry%%:*}") is missing after the build"
done
[[ -f "$CLI_JAR" ]] || die "$CLI_JAR is missing after the build"

# --- 3. broker ----------------------------------------------------------------------------
if ! scripts/kafka.sh status >/dev/null 2>&1; then
  say "starting Kafka (scripts/kafka.sh start)"
  scripts/kafka.sh start >/dev/null
  STARTED_BROKER=1
fi
BOOTSTRAP="$(scripts/kafka.sh bootstrap)"
scripts/kafka.sh topics >/dev/null
say "Kafka at $BOOTSTRAP"

# --- 4. services --------------------------------------------------------------------------
mkdir -p "$LOG_DIR" "$ARTIFACTS"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  port_busy "$port" && die "port $port (for $name) is in use; stop what runs there first"
  opts="$STAGE_JAVA_OPTS"; [[ $name == reporting ]] && opts="$REPORTING_JAVA_OPTS"
  # shellcheck disable=SC2086 # the options are meant to split into words
  KAFKA_BOOTSTRAP_SERVERS="$BOOTSTRAP" SHIFTQ_ARTIFACTS_ROOT="$ARTIFACTS" QUARKUS_HTTP_PORT="$port" \
    java $opts -jar "$(jar_of "$name")" >"$LOG_DIR/$name.log" 2>&1 &
  STARTED_PIDS+=($!)
done
say "started ${#SERVICES[@]} services; logs in $LOG_DIR"
i=0
for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}" pid="${STARTED_PIDS[$i]}"
  i=$((i + 1))
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_DIR/$name.log" >&2
      die "$name exited during start-up; the end of its log is above ($LOG_DIR/$name.log)"
    fi
    sleep 1
  done
  curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null \
    || die "$name is not ready after 180 s; see $LOG_DIR/$name.log"
  say "$name ready on :$port"
done

# --- 5. submit and watch ------------------------------------------------------------------
cli() { KAFKA_BOOTSTRAP_SERVERS="$BOOTSTRAP" SHIFTQ_ARTIFACTS_ROOT="$ARTIFACTS" java -jar "$CLI_JAR" "$@"; }
# CPU seconds (user + system) a process has used since it started: /proc/PID/stat fields 14 and 15, in clock ticks.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f\n", ($14 + $15) / hz}' "/proc/$1/stat"; }
# CPU seconds a process has used since an earlier cpu_seconds reading ($2).
cpu_since() { awk -v hz="$(getconf CLK_TCK)" -v b="$2" '{printf "%.1f", ($14 + $15) / hz - b}' "/proc/$1/stat"; }
# Each service's CPU (and the broker's) at submission, so what they used during the job alone shows at the end:
# on 2 cores, what the idle services and the broker use while one stage computes is taken from that stage.
cpu_at_submit=()
for pid in "${STARTED_PIDS[@]}"; do cpu_at_submit+=("$(cpu_seconds "$pid")"); done
broker=$(scripts/kafka.sh pid 2>/dev/null || true)
broker_at_submit=$([[ -n "$broker" ]] && cpu_seconds "$broker" || echo 0)
started=$(date +%s)
JOB_ID="$(cli submit "$CONFIG")"
say "submitted $CONFIG as job $JOB_ID"
if ! cli watch "$JOB_ID" --timeout "$TIMEOUT"; then
  die "job $JOB_ID did not end with a report; logs in $LOG_DIR, state at http://127.0.0.1:$PORT_BASE/jobs/$JOB_ID"
fi
say "job $JOB_ID done in $(( $(date +%s) - started )) s"
# Where the job's time went (the report's stage_timings_ms) and each service's peak memory: VmHWM, the resident
# set's high-water mark since the JVM started (heap, libtorch's native memory, code), which docs/benchmarks.md
# records and the -Xmx / container limits in docker-compose.yml and k8s/ are set from. Beside it the CPU each
# service used and its page faults: kernel time and faults that grow show memory handed back and forth with the
# kernel (docs/benchmarks.md, "Services against one process").
python3 -c 'import json,sys; print("demo: stage timings (ms):", json.load(open(sys.argv[1]))["stage_timings_ms"])' \
  "$ARTIFACTS/$JOB_ID/report.json" || true
i=0
for entry in "${SERVICES[@]}"; do
  pid="${STARTED_PIDS[$i]}"
  i=$((i + 1))
  # /proc/PID/stat fields 10, 14, 15: minor page faults, user and system CPU in clock ticks, since the JVM started.
  read -r faults user sys < <(awk -v hz="$(getconf CLK_TCK)" '{printf "%d %.1f %.1f\n", $10, $14 / hz, $15 / hz}' \
    "/proc/$pid/stat")
  during=$(cpu_since "$pid" "${cpu_at_submit[$((i - 1))]}")
  say "$(printf '%-12s peak RSS %5d MB  CPU user %6.1f s  system %5.1f s  (during the job %6.1f s)  page faults %9d' \
    "${entry%%:*}" "$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")" "$user" "$sys" "$during" "$faults")"
done
if [[ -n "$broker" ]] && [[ -r "/proc/$broker/stat" ]]; then
  say "$(printf '%-12s CPU during the job %6.1f s' broker "$(cpu_since "$broker" "$broker_at_submit")")"
fi
say "report file: $ARTIFACTS/$JOB_ID/report.json"
say "over REST:   http://127.0.0.1:$PORT_BASE/jobs/$JOB_ID/report (while the services run)"
