#!/usr/bin/env bash
# The two slow reliability must-shows (docs/reliability.md), run once on purpose, not in scripts/test.sh:
#   - the QAT service killed with SIGKILL mid-job, and the broker stopped for 40 s mid-job: each job ends with one
#     report, one done event per stage, and report sha256s that match the files;
#   - 20 jobs submitted at once to two replicas of every stage: all reported once, none mixed with another.
# It packages the services (mvn package, never install), starts a broker with scripts/kafka.sh unless one runs with
# this environment (the drill stops and restarts that broker, so it must be scripts/kafka.sh's), and runs
# e2e's ReliabilityDrill. Logs of the services: e2e/target/reliability-drill/*/logs/. Takes 15-30 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
export KAFKA_PORT=${KAFKA_PORT:-19092} KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_BOOTSTRAP_SERVERS=$(scripts/kafka.sh start | tail -n 1)
export KAFKA_BOOTSTRAP_SERVERS
scripts/kafka.sh topics
if [ "${SHIFTQ_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -DskipTests package -pl services/calibration,services/ptq,services/qat,services/final-ptq,services/reporting -am
fi
exec mvn -B -pl e2e -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="${DRILL:-ReliabilityDrill}" -Dfailsafe.failIfNoSpecifiedTests=false "$@"
