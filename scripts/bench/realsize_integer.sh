#!/usr/bin/env bash
# The integer check's images/s at real size: torchvision's resnet18 and mobilenet_v2 (10 classes, 3x224x224, exported
# by scripts/models/export_torchvision.py) quantized PTQ-only W8A8 by LocalRun on an image folder made from
# Fashion-MNIST (scripts/data/make_fashion_folder.py; Resize(256) + CenterCrop(224), 10 calibration batches), then
# the integer executor alone on the exported deployment files (IntegerBenchmark, 64 seeded random 3x224x224 inputs,
# best of 2) at 1 and 2 threads. Appends its JSON lines to OUT (default docs/results/realsize-integer.jsonl).
# Usage: scripts/bench/realsize_integer.sh      (under flock /tmp/shiftq-heavy.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_fashion_mnist
out=${OUT:-docs/results/realsize-integer.jsonl}
py="$(scripts/python-env.sh)/bin/python"
work=$PWD/.shiftq/bench/realsize
folder=$work/folder-integer
[ -d "$folder/train" ] || "$py" scripts/data/make_fashion_folder.py "$folder" 320 64
cp=$(tools_classpath)
engine_env
mkdir -p "$(dirname "$out")"
echo "{\"uptime_before\": \"$(uptime)\"}" | tee "$out"
for m in resnet18 mobilenet_v2; do
  onnx=$work/models10/$m-torchscript/$m.onnx
  [ -f "$onnx" ] || "$py" scripts/models/export_torchvision.py --out "$work/models10" --size 224 --models "$m" \
    --exporters torchscript --inputs 4 --num-classes 10 >&2
  cat > "$work/integer-$m.yaml" <<YAML
model: {path: $onnx, num_classes: 10}
$(imagenet_folder_data "$folder")
baseline: {epochs: 0}
ptq: {calibration_batches: 10}
training: {epochs: 0}
YAML
  rm -rf "$work/integer-$m"
  java -Xmx1536m -cp "$cp" io.shiftq.tools.LocalRun "$work/integer-$m.yaml" "$work/integer-$m" bench \
    > "$work/integer-$m.log" 2>&1 || { tail -20 "$work/integer-$m.log"; die "LocalRun of $m failed"; }
  for t in 1 2; do
    SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.IntegerBenchmark "$work/integer-$m/deploy" 2 random:64 \
      2>/dev/null | grep -o '{.*}' | tee -a "$out"
  done
done
echo "{\"uptime_after\": \"$(uptime)\"}" | tee -a "$out"
