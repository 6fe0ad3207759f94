#!/usr/bin/env bash
# Local Apache Kafka for shiftq without Docker: one KRaft node (broker and controller in
# one JVM) on 127.0.0.1, built from the Kafka jars on Maven Central.
#
#   scripts/kafka.sh start      start it (or, when it runs already, just print its address)
#   scripts/kafka.sh stop       stop it cleanly and wait until it is gone
#   scripts/kafka.sh status     say whether it runs; exit 0 if it does, 3 if it does not
#   scripts/kafka.sh bootstrap  print the bootstrap address, 127.0.0.1:PORT
#   scripts/kafka.sh topics     create the shiftq topics that are missing (2 partitions each)
#
# Environment:
#   KAFKA_HOME_DIR         state of this broker: config, data, log, pid  (default <repo>/.kafka)
#   KAFKA_LIBS_DIR         cached broker jars, shared by every KAFKA_HOME_DIR (default <repo>/.kafka/libs)
#   KAFKA_PORT             client (PLAINTEXT) port                       (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port                         (default 9093)
#   KAFKA_JAVA_OPTS        JVM options of the broker                     (default -Xmx512m -Xms128m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer      (default 60)
#   KAFKA_OWNER_PID        if set, the broker is stopped once this process is gone (for tests)
#   JAVA_HOME, MVN         which java and which mvn to use
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.kafka}"
# The jars are the slow part of a cold start; keeping them outside KAFKA_HOME_DIR lets test
# brokers with their own throw-away state reuse one download.
KAFKA_LIBS_DIR="${KAFKA_LIBS_DIR:-$REPO_ROOT/.kafka/libs}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_JAVA_OPTS="${KAFKA_JAVA_OPTS:--Xmx512m -Xms128m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

LIBS_POM="$SCRIPT_DIR/kafka/pom.xml"
CONFIG="$KAFKA_HOME_DIR/server.properties"
DATA_DIR="$KAFKA_HOME_DIR/data"
LOG_FILE="$KAFKA_HOME_DIR/broker.log"
PID_FILE="$KAFKA_HOME_DIR/broker.pid"
# The ports a running broker was started with, so that `bootstrap` and a repeated `start`
# report the broker that really runs even when KAFKA_PORT differs in the caller's shell.
PORT_FILE="$KAFKA_HOME_DIR/broker.port"
BROKER_LOG4J="$KAFKA_HOME_DIR/log4j2-broker.properties"
TOOLS_LOG4J="$KAFKA_HOME_DIR/log4j2-tools.properties"
ADMIN_CONFIG="$KAFKA_HOME_DIR/admin.properties"

SHIFTQ_TOPICS=(shiftq.requests shiftq.calibration.done shiftq.ptq.done shiftq.qat.done
  shiftq.final-ptq.done shiftq.progress shiftq.failures shiftq.reports shiftq.dead-letters shiftq.control)

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# --- jars -----------------------------------------------------------------------------------

# Copies the broker and its runtime dependencies into KAFKA_LIBS_DIR once. The marker holds a
# checksum of the pom, so changing the Kafka version there fetches again.
fetch_libs() {
  local want marker="$KAFKA_LIBS_DIR/.complete"
  want="$(sha256sum "$LIBS_POM" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then return 0; fi
  mkdir -p "$(dirname "$KAFKA_LIBS_DIR")"
  # Two test JVMs may start brokers at the same moment; only one of them may download.
  exec 8>"$KAFKA_LIBS_DIR.lock"
  flock 8
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then exec 8>&-; return 0; fi
  log "fetching Kafka jars from Maven Central into $KAFKA_LIBS_DIR (once)"
  local tmp="$KAFKA_LIBS_DIR.tmp"
  rm -rf "$tmp"
  # Maven's output goes to a file and is shown only on failure: even with -q, Maven 3.8 prints
  # stray colour codes that would end up in front of the address this script prints.
  local mvn_log="$KAFKA_LIBS_DIR.mvn.log"
  if ! "$MVN" -B -q -Dstyle.color=never -f "$LIBS_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    die "could not fetch the Kafka jars (mvn output above)"
  fi
  rm -f "$mvn_log"
  echo "$want" >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS_DIR"
  mv "$tmp" "$KAFKA_LIBS_DIR"
  exec 8>&-
}

# --- process --------------------------------------------------------------------------------

broker_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  # A stale pid file may name a pid that the system has handed to another process since.
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

running_port() {
  if [[ -f "$PORT_FILE" ]]; then cat "$PORT_FILE"; else echo "$KAFKA_PORT"; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a Kafka command-line tool with quiet logging, so that its own output stays readable.
kafka_tool() {
  "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$KAFKA_LIBS_DIR/*" "$@"
}

# --- configuration --------------------------------------------------------------------------

write_config() {
  mkdir -p "$KAFKA_HOME_DIR" "$DATA_DIR"
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
# --standalone formatting sets up a dynamic quorum, which is found through bootstrap servers
# (controller.quorum.voters would contradict it).
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$DATA_DIR
num.partitions=2
auto.create.topics.enable=true
# One node: every internal topic has to live with a single replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=2
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Consumers in tests join alone; the default 3 s wait for more members only slows them.
group.initial.rebalance.delay.ms=0
# Local data is disposable: keep it small.
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$BROKER_LOG4J" <<'EOF'
# The broker's stdout goes to broker.log. INFO keeps start-up and errors readable there;
# the loggers below would otherwise write a config dump or a line per request.
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
  cat >"$TOOLS_LOG4J" <<'EOF'
# Command-line tools print only warnings, on stderr, so their real output stays clean.
status = warn
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
EOF
  # Short timeouts so that a readiness probe fails fast and is retried, instead of one probe
  # hanging for the default minute.
  cat >"$ADMIN_CONFIG" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
}

# Formats the storage only once. The standalone format writes the controller's address into
# the quorum's voter set, so a changed controller port needs a fresh format (the data is
# disposable; say so in the log).
format_storage() {
  local stamp="$DATA_DIR/.shiftq-format" want="controller=127.0.0.1:$KAFKA_CONTROLLER_PORT"
  if [[ -f "$DATA_DIR/meta.properties" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    log "controller port changed: wiping $DATA_DIR and formatting again"
  fi
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  local cluster_id
  # A random 16-byte id in Kafka's base64url form; one that starts with '-' would read as an
  # option on the command line, so draw again.
  while :; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [[ "$cluster_id" != -* ]] && break
  done
  kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CONFIG" >>"$LOG_FILE" 2>&1 ||
    { tail -n 20 "$LOG_FILE" >&2; die "storage format failed"; }
  echo "$want" >"$stamp"
}

# --- commands -------------------------------------------------------------------------------

cmd_start() {
  local pid
  if pid="$(broker_pid)"; then
    echo "127.0.0.1:$(running_port)"
    return 0
  fi
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on 127.0.0.1 is taken by another process; set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
  done
  fetch_libs
  mkdir -p "$KAFKA_HOME_DIR"
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  write_config
  format_storage
  # setsid: the broker must outlive the shell (and a Maven/JUnit JVM) that started it, and
  # must not get that terminal's Ctrl-C. The inner shell writes its own pid and then execs
  # java, so the pid file names the JVM even where setsid has to fork.
  rm -f "$PID_FILE"
  # KAFKA_JAVA_OPTS is split into words on purpose.
  # shellcheck disable=SC2016,SC2086
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-broker "$PID_FILE" \
    "$JAVA" $KAFKA_JAVA_OPTS -Djava.awt.headless=true -Dlog4j2.configurationFile="$BROKER_LOG4J" \
    -cp "$KAFKA_LIBS_DIR/*" kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null &
  for _ in $(seq 1 100); do [[ -s "$PID_FILE" ]] && break; sleep 0.05; done
  pid="$(cat "$PID_FILE")"
  if [[ -n "${KAFKA_OWNER_PID:-}" ]]; then
    # A test JVM that is killed (kill -9, a timed-out fork) never runs its shutdown hook; this
    # watchdog then stops the broker it owned instead of leaving ~300 MB running for good.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done
      if kill -0 "$2" 2>/dev/null; then kill -TERM "$2"; fi' kafka-watchdog "$KAFKA_OWNER_PID" "$pid" \
      >/dev/null 2>&1 </dev/null &
  fi
  echo "$KAFKA_PORT" >"$PORT_FILE"

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  # First the socket, then a real metadata request: the port opens before the broker has
  # caught up with the controller and can answer for topics.
  until port_open "$KAFKA_PORT"; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "broker exited during start-up (log: $LOG_FILE)"; }
    ((SECONDS < deadline)) || { cmd_stop >/dev/null; die "port $KAFKA_PORT did not open within ${KAFKA_START_TIMEOUT}s (log: $LOG_FILE)"; }
    sleep 0.25
  done
  until kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$ADMIN_CONFIG" --list >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "broker exited during start-up (log: $LOG_FILE)"; }
    ((SECONDS < deadline)) || { cmd_stop >/dev/null; die "broker did not answer metadata requests within ${KAFKA_START_TIMEOUT}s (log: $LOG_FILE)"; }
    sleep 0.5
  done
  echo "127.0.0.1:$KAFKA_PORT"
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE" "$PORT_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid"
  # A controlled shutdown of one node takes a few seconds; after 30 s it is stuck.
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker $pid ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(broker_pid)"; then
    echo "running: pid $pid, bootstrap 127.0.0.1:$(running_port), home $KAFKA_HOME_DIR"
  else
    echo "not running (home $KAFKA_HOME_DIR)"
    return 3
  fi
}

cmd_topics() {
  local pid bootstrap existing missing=()
  pid="$(broker_pid)" || die "broker not running; run: $0 start"
  bootstrap="127.0.0.1:$(running_port)"
  existing="$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --list)"
  for t in "${SHIFTQ_TOPICS[@]}"; do
    grep -qxF "$t" <<<"$existing" || missing+=("$t")
  done
  # One JVM per topic costs about a second each; only the missing ones pay it.
  for t in "${missing[@]}"; do
    # shiftq.control keeps the latest cancel of every job (compacted): a stage that starts later reads them all.
    local extra=()
    [ "$t" != shiftq.control ] || extra=(--config cleanup.policy=compact)
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
      --create --if-not-exists --topic "$t" --partitions 2 --replication-factor 1 "${extra[@]}" >/dev/null
    echo "created $t"
  done
  ((${#missing[@]} > 0)) || echo "all ${#SHIFTQ_TOPICS[@]} shiftq topics exist"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  bootstrap) echo "127.0.0.1:$(if broker_pid >/dev/null; then running_port; else echo "$KAFKA_PORT"; fi)" ;;
  topics) cmd_topics ;;
  *)
    echo "usage: $0 {start|stop|status|bootstrap|topics}" >&2
    exit 2
    ;;
esac
