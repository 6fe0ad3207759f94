#!/usr/bin/env bash
# Issue 22's same-run comparison: for each config, the AIMET worker (shiftq_aimet.local, with its integer deploy
# files) and the custom engine (io.shiftq.tools.LocalRun), one right after the other on the same machine, from the
# same ONNX file (its FP32 weights are the one baseline); then bench/compare_onnx.py prints the table: accuracy after
# each step, the integer check of each, the exponents that differ, and the job time ratio aimet / custom.
# Usage (repository root): services/aimet-worker/bench/onnx_side_by_side.sh OUT_DIR CONFIG.yaml...
# Heavy: run it under `flock /tmp/shiftq-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. scripts/lib.sh
[[ $# -ge 2 ]] || die "usage: $0 OUT_DIR CONFIG.yaml..."
out=$1
shift
need_fashion_mnist
venv=$(scripts/python-env.sh)
cp=$(tools_classpath)
export PYTHONPATH=services/aimet-worker SHIFTQ_TORCH_THREADS=${SHIFTQ_TORCH_THREADS:-2} SHIFTQ_DEPLOY_CLASSPATH=$cp
for cfg in "$@"; do
  run=$(basename "$cfg" .yaml)
  say "$run: aimet"
  "$venv/bin/python" -m shiftq_aimet.local "$cfg" "$out/aimet-$run" "$run" 2>&1 | grep -E '^(calibration|ptq|qat|final_ptq) '
  say "$run: custom"
  java -Xmx4g -Dai.djl.offline=true -cp "$cp" io.shiftq.tools.LocalRun "$cfg" "$out/custom-$run" "$run" >"$out/custom-$run.log" 2>&1 \
    || { tail -n 30 "$out/custom-$run.log" >&2; die "LocalRun failed on $cfg"; }
done
"$venv/bin/python" services/aimet-worker/bench/compare_onnx.py "$out" "$@"
