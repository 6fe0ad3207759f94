#!/usr/bin/env bash
# Engine vs PyTorch, same machine, same run: ms per weight-only QAT step (VGGSmall, batch 64)
# and FP32 evaluation images/s, at 1 and 2 intra-op threads. Needs Debian's python3-torch
# (apt-get install -y python3-torch) for the peer. Usage: scripts/benchmark.sh [steps] [eval_batches]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-30}
evals=${2:-30}
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install -y python3-torch" >&2; exit 1; }
mvn -B -q -DskipTests install -pl tools -am
mvn -B -q dependency:build-classpath -pl tools -Dmdep.outputFile=target/tools.cp >/dev/null
cp="tools/target/classes:$(cat tools/target/tools.cp)"
for t in 1 2; do
  SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.EngineBenchmark "$steps" "$evals" 2>/dev/null | grep -o '{.*}'
  "$py" scripts/bench/pytorch_vgg.py "$t" "$steps" "$evals"
done
# What shiftq's default weight rule (mse, re-derived from the live weights every step) costs on top.
SHIFTQ_INTRA_OP_THREADS=2 java -cp "$cp" io.shiftq.tools.EngineBenchmark "$steps" "$evals" mse 2>/dev/null | grep -o '{.*}'

