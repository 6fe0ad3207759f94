#!/usr/bin/env bash
# Engine vs PyTorch, same machine, same run: ms per weight-only QAT step (VGGSmall, batch 64) and FP32 evaluation
# images/s at 1 and 2 intra-op threads, with the ratios taken within this run; then the integer check (the integer
# executor over the 10,000 Fashion-MNIST test images, VGGSmall W8A8, exported files only).
# The peer is PyPI's torch 2.x in the project's Python environment (scripts/python-env.sh, the one the AIMET
# worker uses; created on first use). Debian's PyTorch 1.13 (python3-torch) runs too when installed, as history.
# Usage: scripts/benchmark.sh [steps] [eval_batches]      (SHIFTQ_BENCH_SCALAR=1: time the scalar integer loops too)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
steps=${1:-30}
evals=${2:-30}
need_fashion_mnist
py="$(scripts/python-env.sh)/bin/python"
cp=$(tools_classpath)
out=$(mktemp)
for t in 1 2; do
  SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.EngineBenchmark "$steps" "$evals" 2>/dev/null \
    | grep -o '{.*}' | tee -a "$out"
  "$py" scripts/bench/pytorch_vgg.py "$t" "$steps" "$evals" | tee -a "$out"
done
# What shiftq's default weight rule (mse, re-derived from the live weights every step) costs on top.
SHIFTQ_INTRA_OP_THREADS=2 java -cp "$cp" io.shiftq.tools.EngineBenchmark "$steps" "$evals" mse 2>/dev/null \
  | grep -o '{.*}' | tee -a "$out"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "history only: Debian's PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  /usr/bin/python3 scripts/bench/pytorch_vgg.py 1 "$steps" "$evals"
fi
"$py" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for t in (1, 2):
    e = next(r for r in rows if r["peer"].startswith("shiftq") and str(r["threads"]) == str(t) and r.get("rule") == "max")
    p = next(r for r in rows if r["peer"].startswith("pytorch") and str(r["threads"]) == str(t))
    print(f"{t} thread(s): QAT step PyTorch/engine {p['qat_step_ms'] / e['qat_step_ms']:.2f}x, "
          f"eval engine/PyTorch {e['eval_images_per_s'] / p['eval_images_per_s']:.2f}x ({p['peer']})")
PY
rm -f "$out"

# The integer check: a PTQ-only VGGSmall W8A8 exported by LocalRun, then its files alone run by IntegerBenchmark.
dir=.shiftq/bench/integer
java -cp "$cp" io.shiftq.tools.LocalRun scripts/bench/integer_check.yaml "$dir" bench >/dev/null 2>&1
# SHIFTQ_BENCH_SCALAR=1 also times the scalar loops (2 threads of their own; about 2.5 min) at the 2-thread row.
for t in 1 2; do
  SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.IntegerBenchmark "$dir/deploy" 3 \
    $([ "${SHIFTQ_BENCH_SCALAR:-0}" = 1 ] && [ $t = 2 ] && echo scalar) 2>/dev/null | grep -o '{.*}'
done
