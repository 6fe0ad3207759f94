#!/bin/bash
# Writes server.properties from the environment, formats the storage once, and runs the broker, like the
# apache/kafka image: KAFKA_FOO_BAR=x becomes foo.bar=x ("__" stands for "_", "___" for "-"),
# CLUSTER_ID names the cluster. KAFKA_HEAP_OPTS and KAFKA_OPTS go to the JVM.
set -euo pipefail
config=/opt/kafka/config/server.properties
: >"$config"
while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=${name#KAFKA_}
  key=$(echo "$key" | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' | tr '[:upper:]' '[:lower:]')
  echo "$key=$value" >>"$config"
done < <(env)
grep -q '^log.dirs=' "$config" || echo "log.dirs=/var/lib/kafka/data" >>"$config"
logdir=$(sed -n 's/^log.dirs=//p' "$config" | cut -d, -f1)
cp=/opt/kafka/libs/*
log4j="-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties"
if [[ ! -f "$logdir/meta.properties" ]]; then
  java -Xmx256m $log4j -cp "$cp" kafka.tools.StorageTool format -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$config" --ignore-formatted
fi
# shellcheck disable=SC2086 # option lists split into words on purpose
exec java ${KAFKA_HEAP_OPTS:-} ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} $log4j -cp "$cp" kafka.Kafka "$config"
