#!/usr/bin/env bash
# Local Apache Kafka for shiftq without Docker: one KRaft node (broker and controller in
# one JVM) on 127.0.0.1, built from the Kafka jars on Maven Central.
#
#   scripts/kafka.sh start      start it (or, when it runs already, just print its address)
#   scripts/kafka.sh stop       stop it cleanly and wait until it is gone
#   scripts/kafka.sh status     say whether it runs; exit 0 if it does, 3 if it does not
#   scripts/kafka.sh pid        print the running broker's process id (exit 1 if none runs)
#   scripts/kafka.sh bootstrap  print the bootstrap address, 127.0.0.1:PORT
#   scripts/kafka.sh topics     create the shiftq topics that are missing (2 partitions each)
#   scripts/kafka.sh client NAME  print the client properties file of principal NAME (secured mode)
#
# Secured mode (KAFKA_SECURITY=sasl_ssl): the client port speaks SASL_SSL with SCRAM-SHA-512, the
# certificates come from a CA that keytool makes in KAFKA_HOME_DIR/tls on the first start, and
# there is one SCRAM user per service (scripts/kafka/acls.txt) plus `admin`, the only super user.
# ACLs (StandardAuthorizer) let each principal read and write just the topics acls.txt names;
# the shiftq topics are created at start. Each principal's client properties (security.protocol,
# sasl.*, ssl.truststore.* in Kafka's names, the file SHIFTQ_KAFKA_CONFIG names for the services,
# the CLI and the AIMET worker) are written to KAFKA_HOME_DIR/clients/NAME.properties.
#
# Environment:
#   KAFKA_HOME_DIR         state of this broker: config, data, log, pid  (default <repo>/.kafka)
#   KAFKA_LIBS_DIR         cached broker jars, shared by every KAFKA_HOME_DIR (default <repo>/.kafka/libs)
#   KAFKA_SECURITY         plaintext or sasl_ssl                          (default plaintext)
#   KAFKA_PORT             client port                                   (default 9092)
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
KAFKA_SECURITY="${KAFKA_SECURITY:-plaintext}"
case "$KAFKA_SECURITY" in
  plaintext | sasl_ssl) ;;
  *) echo "kafka.sh: KAFKA_SECURITY must be plaintext or sasl_ssl, not '$KAFKA_SECURITY'" >&2; exit 2 ;;
esac
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java" KEYTOOL="$JAVA_HOME/bin/keytool"
else
  JAVA=java KEYTOOL=keytool
fi

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
TLS_DIR="$KAFKA_HOME_DIR/tls"
CLIENTS_DIR="$KAFKA_HOME_DIR/clients"
# Principal -> group, topics it reads, topics it writes: the one table of who may do what.
ACLS_FILE="$SCRIPT_DIR/kafka/acls.txt"

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

# --- secured mode ---------------------------------------------------------------------------

# The principals: admin plus the first column of acls.txt.
principals() {
  echo admin
  grep -v '^[[:space:]]*\(#\|$\)' "$ACLS_FILE" | awk '{print $1}'
}

# A password of 24 letters and digits: nothing a properties file or a JAAS string would quote.
new_secret() { head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

# The secret of a principal (or of the keystores), made on first use and kept: the SCRAM users
# are written into the storage at format time, so the same passwords must survive restarts.
secret_of() {
  local file="$TLS_DIR/secrets/$1"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$TLS_DIR/secrets"
    chmod 700 "$TLS_DIR" "$TLS_DIR/secrets"
    (umask 077 && new_secret >"$file")
  fi
  cat "$file"
}

store_password() { secret_of .keystore; }

# A CA and a broker certificate signed by it, made once with keytool. The broker's key is in a
# PKCS12 keystore; clients trust the CA through ca.pem (ssl.truststore.type=PEM for the Java
# client, ssl.ca.location for librdkafka).
make_tls() {
  [[ -f "$TLS_DIR/broker.p12" && -f "$TLS_DIR/ca.pem" ]] && return 0
  log "making a CA and a broker certificate with keytool in $TLS_DIR (once)"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  rm -f "$TLS_DIR/ca.p12" "$TLS_DIR/broker.p12"
  local kt=("$KEYTOOL" -noprompt -storetype PKCS12 -storepass "$(store_password)")
  local out="$TLS_DIR/keytool.log"
  {
    "${kt[@]}" -genkeypair -keystore "$TLS_DIR/ca.p12" -alias ca -keyalg RSA -keysize 2048 -validity 3650 \
      -dname "CN=shiftq local CA" -ext bc:c &&
      "${kt[@]}" -exportcert -rfc -keystore "$TLS_DIR/ca.p12" -alias ca -file "$TLS_DIR/ca.pem" &&
      "${kt[@]}" -genkeypair -keystore "$TLS_DIR/broker.p12" -alias broker -keyalg RSA -keysize 2048 -validity 825 \
        -dname "CN=shiftq-broker" &&
      "${kt[@]}" -certreq -keystore "$TLS_DIR/broker.p12" -alias broker -file "$TLS_DIR/broker.csr" &&
      # serverAuth for the client port; clientAuth because the broker also signs in to its own
      # controller listener with this certificate (mutual TLS there).
      "${kt[@]}" -gencert -keystore "$TLS_DIR/ca.p12" -alias ca -infile "$TLS_DIR/broker.csr" \
        -outfile "$TLS_DIR/broker.pem" -rfc -validity 825 -ext SAN=ip:127.0.0.1,dns:localhost \
        -ext EKU=serverAuth,clientAuth &&
      "${kt[@]}" -importcert -keystore "$TLS_DIR/broker.p12" -alias ca -file "$TLS_DIR/ca.pem" &&
      "${kt[@]}" -importcert -keystore "$TLS_DIR/broker.p12" -alias broker -file "$TLS_DIR/broker.pem"
  } >"$out" 2>&1 || { cat "$out" >&2; rm -f "$TLS_DIR/broker.p12"; die "keytool could not make the certificates in $TLS_DIR"; }
  rm -f "$TLS_DIR/broker.csr" "$out"
}

jaas_of() {
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' \
    "$1" "$(secret_of "$1")"
}

# One client properties file per principal, in Kafka's own names.
write_clients() {
  mkdir -p "$CLIENTS_DIR"
  chmod 700 "$CLIENTS_DIR"
  local name
  for name in $(principals); do
    (
      umask 077
      cat >"$CLIENTS_DIR/$name.properties" <<EOF
# Written by scripts/kafka.sh: the client settings of principal $name on 127.0.0.1:$KAFKA_PORT.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(jaas_of "$name")
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
EOF
    )
  done
}

# The SASL_SSL client listener, the mutual-TLS controller listener and the authorizer.
secured_config() {
  cat <<EOF
listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$(jaas_of admin)
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$(store_password)
ssl.key.password=$(store_password)
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
# Only a holder of the broker's key may talk to the controller (KRaft has no SCRAM there).
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:CN=shiftq-broker
allow.everyone.if.no.acl.found=false
# Topics come from admin (this script at start), never from a client's first write.
auto.create.topics.enable=false
EOF
}

plain_config() {
  cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
auto.create.topics.enable=true
EOF
}

# Creates the shiftq topics and the ACLs of acls.txt as admin, in one JVM (the Kafka command-line
# tools would need one JVM per principal and operation).
secure_setup() {
  kafka_tool "$SCRIPT_DIR/kafka/SecureSetup.java" "127.0.0.1:$KAFKA_PORT" "$ADMIN_CONFIG" "$ACLS_FILE" \
    "${SHIFTQ_TOPICS[@]}" >>"$LOG_FILE" 2>&1 ||
    { tail -n 20 "$LOG_FILE" >&2; cmd_stop >/dev/null; die "creating the topics and ACLs failed (log: $LOG_FILE)"; }
}

# --- configuration --------------------------------------------------------------------------

write_config() {
  mkdir -p "$KAFKA_HOME_DIR" "$DATA_DIR"
  cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
$(if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then secured_config; else plain_config; fi)
# --standalone formatting sets up a dynamic quorum, which is found through bootstrap servers
# (controller.quorum.voters would contradict it).
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$DATA_DIR
num.partitions=2
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
  if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then
    grep -v '^#' "$CLIENTS_DIR/admin.properties" >>"$ADMIN_CONFIG"
    chmod 600 "$ADMIN_CONFIG"
  fi
}

# Formats the storage only once. The standalone format writes the controller's address into
# the quorum's voter set, so a changed controller port needs a fresh format (the data is
# disposable; say so in the log).
format_storage() {
  local stamp="$DATA_DIR/.shiftq-format" want="controller=127.0.0.1:$KAFKA_CONTROLLER_PORT security=$KAFKA_SECURITY"
  if [[ -f "$DATA_DIR/meta.properties" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    log "controller port or security mode changed: wiping $DATA_DIR and formatting again"
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
  # The SCRAM users live in the cluster metadata; the format writes them before the first start,
  # so that the broker can sign in to itself with admin's.
  local scram=() name
  if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then
    for name in $(principals); do scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(secret_of "$name")]"); done
  fi
  kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CONFIG" "${scram[@]}" >>"$LOG_FILE" 2>&1 ||
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
  if [[ "$KAFKA_SECURITY" == sasl_ssl ]]; then
    make_tls
    write_clients
  fi
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
  [[ "$KAFKA_SECURITY" != sasl_ssl ]] || secure_setup
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
  existing="$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --command-config "$ADMIN_CONFIG" --list)"
  for t in "${SHIFTQ_TOPICS[@]}"; do
    grep -qxF "$t" <<<"$existing" || missing+=("$t")
  done
  # One JVM per topic costs about a second each; only the missing ones pay it.
  for t in "${missing[@]}"; do
    # shiftq.control keeps the latest cancel of every job (compacted): a stage that starts later reads them all.
    local extra=()
    [ "$t" != shiftq.control ] || extra=(--config cleanup.policy=compact)
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --command-config "$ADMIN_CONFIG" \
      --create --if-not-exists --topic "$t" --partitions 2 --replication-factor 1 "${extra[@]}" >/dev/null
    echo "created $t"
  done
  ((${#missing[@]} > 0)) || echo "all ${#SHIFTQ_TOPICS[@]} shiftq topics exist"
}

cmd_client() {
  [[ -n "$1" ]] || die "usage: $0 client NAME (one of: $(principals | tr '\n' ' '))"
  local file="$CLIENTS_DIR/$1.properties"
  [[ -f "$file" ]] || die "no client settings for '$1' in $CLIENTS_DIR (principals: $(principals | tr '\n' ' '); start the broker with KAFKA_SECURITY=sasl_ssl first)"
  echo "$file"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  pid) broker_pid ;;
  bootstrap) echo "127.0.0.1:$(if broker_pid >/dev/null; then running_port; else echo "$KAFKA_PORT"; fi)" ;;
  topics) cmd_topics ;;
  client) cmd_client "${2:-}" ;;
  *)
    echo "usage: $0 {start|stop|status|bootstrap|topics|client NAME}" >&2
    exit 2
    ;;
esac
