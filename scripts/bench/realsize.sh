#!/usr/bin/env bash
# Real-size speed, side by side in one run: torchvision's resnet18 and mobilenet_v2 at 3x224x224, batch 32 — ms per
# weight-only QAT step (8-bit power-of-two weights, max rule, STE, AdamW; BatchNorm folded on every side) and FP32
# evaluation images/s, for
#   - the engine (tools' EngineBenchmark on the model exported by scripts/models/export_torchvision.py and imported
#     by OnnxImport.load; DJL's libtorch 2.7.1),
#   - PyPI torch 2.15 (the project's Python environment, scripts/python-env.sh),
#   - PyPI torch 2.7.1 + torchvision 0.22.1 (the libtorch version DJL runs; a venv of its own, created here when
#     missing under $SHIFTQ_CACHE/torch271 with ~/.cache/shiftq as the default),
# so that the kernel version (2.7.1 vs 2.15) and the engine's own overhead (engine vs torch 2.7.1) are told apart.
# Every row is one JSON line; all of them are also written to OUT (default docs/results/realsize-speed.jsonl).
# Usage: scripts/bench/realsize.sh [steps] [eval_batches] [threads...]      (defaults: 5 5 1 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
steps=${1:-5}
evals=${2:-5}
shift 2 || true
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
out=${OUT:-docs/results/realsize-speed.jsonl}
models=(resnet18 mobilenet_v2)
py="$(scripts/python-env.sh)/bin/python"

cache=${SHIFTQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shiftq}
t271=$cache/torch271
if [ ! -f "$t271/.complete" ]; then
  rm -rf "$t271"
  say "creating $t271 (PyPI torch 2.7.1 + torchvision 0.22.1; first time: several minutes, ~3 GB)"
  python3 -m venv "$t271"
  "$t271/bin/pip" install -q torch==2.7.1 torchvision==0.22.1 numpy pillow >&2
  touch "$t271/.complete"
fi

dir=.shiftq/bench/realsize/models
for m in "${models[@]}"; do
  [ -f "$dir/$m-torchscript/$m.onnx" ] \
    || "$py" scripts/models/export_torchvision.py --out "$dir" --size 224 --models "$m" --exporters torchscript \
      --inputs 4 >&2
done
cp=$(tools_classpath)
engine_env
mkdir -p "$(dirname "$out")"
: > "$out"
echo "{\"uptime_before\": \"$(uptime)\"}" | tee -a "$out"
for t in "${threads[@]}"; do
  for m in "${models[@]}"; do
    SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.EngineBenchmark "$steps" "$evals" max \
      "$dir/$m-torchscript/$m.onnx" 32 2>/dev/null | grep -o '{.*}' | tee -a "$out"
    "$py" scripts/bench/pytorch_torchvision.py "$m" "$t" "$steps" "$evals" | tee -a "$out"
    "$t271/bin/python" scripts/bench/pytorch_torchvision.py "$m" "$t" "$steps" "$evals" | tee -a "$out"
  done
done
echo "{\"uptime_after\": \"$(uptime)\"}" | tee -a "$out"
"$py" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"model"' in l]
for r in rows:
    if not r["peer"].startswith("shiftq"):
        continue
    peers = [p for p in rows if p["model"].replace("-torchscript", "") in r["model"] and p["threads"] == r["threads"]
             and not p["peer"].startswith("shiftq")]
    for p in peers:
        print(f"{r['model']} {r['threads']} thread(s) vs {p['peer']}: QAT step engine/PyTorch "
              f"{r['qat_step_ms'] / p['qat_step_ms']:.2f}x, eval engine/PyTorch "
              f"{r['eval_images_per_s'] / p['eval_images_per_s']:.2f}x")
PY
