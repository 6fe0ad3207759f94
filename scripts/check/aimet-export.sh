#!/usr/bin/env bash
# Checks that the custom engine's AIMET export loads into real aimet-torch, end to end:
#   1. the engine runs a config (default configs/examples/w8a8_ptq_short.yaml: VGGSmall, one FP32
#      epoch on 12,000 Fashion-MNIST images, W8A8 PTQ, full test set) and writes report.json, the
#      deploy/ files, the folded weights and shiftq's per-image predictions (JUnit AimetExportRun);
#   2. pytest (services/aimet-worker/tests/test_custom_export.py) builds the same network in PyTorch
#      with those weights, creates an AIMET QuantizationSimModel with a symmetric config, loads
#      deploy/aimet_encodings_0.6.1.json with strict=True, checks every scale is a frozen power of
#      two and that the sim's accuracy on the 10,000 test images is within 0.1 pt of shiftq's.
# Usage: scripts/check/aimet-export.sh [out-dir] [config.yaml]
# Python: $SHIFTQ_PYTHON_ENV if set, else the project environment from scripts/python-env.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
out=$(realpath -m "${1:-engine/target/aimet-export-check}")
config=$(realpath "${2:-configs/examples/w8a8_ptq_short.yaml}")

need_fashion_mnist

if [ -n "${SHIFTQ_PYTHON_ENV:-}" ]; then
  venv=$SHIFTQ_PYTHON_ENV
elif [ -f services/aimet-worker/requirements.lock ]; then
  venv=$(scripts/python-env.sh)
else
  echo "no Python environment: services/aimet-worker/requirements.lock is missing, so scripts/python-env.sh" \
       "cannot build one; set SHIFTQ_PYTHON_ENV to a venv with aimet-torch==2.42.0, torch, numpy, pytest" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || { echo "$venv/bin/python does not exist (SHIFTQ_PYTHON_ENV or scripts/python-env.sh)" >&2; exit 1; }

t0=$(date +%s)
mkdir -p "$out"
rm -f "$out/aimet_check.json" "$out/shiftq_predictions.json"
echo "engine: $config -> $out (log: $out/engine.log)"
if ! mvn -B -q test -pl engine -am -Dtest=AimetExportRun -Dsurefire.failIfNoSpecifiedTests=false \
    -Dshiftq.aimet-check.dir="$out" -Dshiftq.aimet-check.config="$config" >"$out/engine.log" 2>&1; then
  tail -n 60 "$out/engine.log" >&2
  echo "the engine run failed; full log: $out/engine.log" >&2
  exit 1
fi
grep -E "^final accuracy" "$out/engine.log" || true
t1=$(date +%s)
echo "aimet-torch: $venv"
SHIFTQ_AIMET_EXPORT_RUN=$out "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  -W ignore::DeprecationWarning -W ignore::UserWarning -W ignore::FutureWarning services/aimet-worker/tests/test_custom_export.py
t2=$(date +%s)
echo "engine run $((t1 - t0)) s, aimet-torch check $((t2 - t1)) s"
cat "$out/aimet_check.json"
