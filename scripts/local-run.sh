#!/usr/bin/env bash
# The whole pipeline in one process, no Kafka (io.shiftq.tools.LocalRun): a config in, report.json and deploy/
# out. Builds tools/ and the engine first (one Maven session, no install).
# Usage: scripts/local-run.sh CONFIG.yaml OUT_DIR      e.g. scripts/local-run.sh configs/examples/demo.yaml out/demo
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
[[ $# -eq 2 ]] || die "usage: scripts/local-run.sh CONFIG.yaml OUT_DIR"
[[ -f $1 ]] || die "config $1 not found"
# Fashion-MNIST is the default data set; a config that names another needs none.
grep -qE 'dataset:\s*"?(MNIST|CIFAR10|ImageFolder|Synthetic)\b' "$1" || need_fashion_mnist
engine_env
exec java -cp "$(tools_classpath)" io.shiftq.tools.LocalRun "$1" "$2"
