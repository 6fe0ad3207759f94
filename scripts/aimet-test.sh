#!/usr/bin/env bash
# Checks the AIMET worker's code with ruff and mypy (settings in services/aimet-worker/pyproject.toml, tools from
# `scripts/python-env.sh lint`), then runs its pytest suite (services/aimet-worker/tests) in the project's Python environment,
# which scripts/python-env.sh creates on first use (minutes; cached afterwards).
#
# Needs a real Kafka broker at $KAFKA_BOOTSTRAP_SERVERS (the tests fail, not skip, without one), e.g.
#   export KAFKA_BOOTSTRAP_SERVERS=$(KAFKA_PORT=29092 KAFKA_CONTROLLER_PORT=29093 scripts/kafka.sh start)
# and, for the end-to-end test, the packaged reporting service and CLI:
#   mvn -B -q -DskipTests package -pl services/reporting,cli -am
# Extra arguments go to pytest, e.g. scripts/aimet-test.sh -k pow2
# The final stage's integer deploy files come from the engine's io.shiftq.tools.AimetDeploy: its classpath is
# $SHIFTQ_DEPLOY_CLASSPATH, else tools/ is built here (tools_classpath in scripts/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
if [ -z "${SHIFTQ_DEPLOY_CLASSPATH:-}" ]; then
  SHIFTQ_DEPLOY_CLASSPATH=$(tools_classpath)
  export SHIFTQ_DEPLOY_CLASSPATH
fi
lint=$(scripts/python-env.sh lint)
(cd services/aimet-worker && "$lint/bin/ruff" check . && "$lint/bin/mypy")
venv=$(scripts/python-env.sh)
export SHIFTQ_TORCH_THREADS="${SHIFTQ_TORCH_THREADS:-2}"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider services/aimet-worker/tests "$@"
