#!/usr/bin/env bash
# The end-to-end test alone: builds the services and the CLI (unless SHIFTQ_SKIP_BUILD=1), then runs
# e2e/PipelineIT, which starts a broker (or uses $KAFKA_BOOTSTRAP_SERVERS), launches the five packaged
# services as processes, submits a tiny LeNet5/Synthetic job with the CLI and checks its report.
# Logs of the services: e2e/target/e2e/logs/. `mvn verify` at the root runs the same test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${SHIFTQ_SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -DskipTests install
fi
exec mvn -B -pl e2e verify "$@"
