#!/usr/bin/env bash
# Issue 20's runs through the five services: torchvision's resnet18 and mobilenet_v2 (10 classes, 3x224x224, exported
# by scripts/models/export_torchvision.py with today's default exporter — dynamo, weights in <model>.onnx.data —
# randomly initialized, no pretrained weights reachable here) trained by the job's own FP32 baseline on a 224x224
# colour image folder made from Fashion-MNIST (scripts/data/make_fashion_folder.py, mixed sizes 48-128 px, JPEG),
# then PTQ, one weight-only QAT epoch and the final PTQ, W8A8 per-tensor and W4A8 per-channel, each job on its own
# scripts/demo.sh run (broker, five services, CLI). Copies each report to docs/results/torchvision/<model>_<quant>.json
# and demo.sh's summary (stage timings, each service's peak RSS) to docs/results/torchvision/<model>_<quant>.txt.
# Usage: scripts/bench/torchvision_services.sh [TRAIN_IMAGES] [VAL_IMAGES] [MODELS] [QUANTS]
#        (defaults 1000 200 "resnet18 mobilenet_v2" "w8a8 w4a8_pc"; under flock /tmp/shiftq-heavy.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_fashion_mnist
train=${1:-1000}
val=${2:-200}
read -r -a models <<< "${3:-resnet18 mobilenet_v2}"
read -r -a quants <<< "${4:-w8a8 w4a8_pc}"
py="$(scripts/python-env.sh)/bin/python"
work=$PWD/.shiftq/bench/torchvision
folder=$work/folder$train
[ -d "$folder/train" ] || "$py" scripts/data/make_fashion_folder.py "$folder" "$train" "$val"
out=docs/results/torchvision
mkdir -p "$out"

quant_section() {
  case $1 in
    w8a8) echo "quantization: {weight: {bitwidth: 8, per_channel: false}}" ;;
    w4a8_pc) echo "quantization: {weight: {bitwidth: 4, per_channel: true}}" ;;
    *) die "unknown quantization $1 (w8a8, w4a8_pc)" ;;
  esac
}

for m in "${models[@]}"; do
  onnx=$work/models/$m-dynamo/$m.onnx
  [ -f "$onnx" ] || "$py" scripts/models/export_torchvision.py --out "$work/models" --size 224 --models "$m" \
    --exporters dynamo --inputs 4 --num-classes 10 >&2
  for q in "${quants[@]}"; do
    config=$work/$m-$q.yaml
    cat > "$config" <<YAML
# scripts/bench/torchvision_services.sh: $m at 224x224 through the services, $q, $train training images.
model: {path: $onnx, num_classes: 10}
$(imagenet_folder_data "$folder" train)
baseline: {epochs: 2, learning_rate: 0.001}
$(quant_section "$q")
ptq: {calibration_batches: 10}
training: {epochs: 1, learning_rate: 0.0001}
YAML
    artifacts=$work/artifacts-$m-$q
    rm -rf "$artifacts"
    summary=$out/${m}_$q.txt
    {
      echo "# scripts/bench/torchvision_services.sh $train $val $m $q, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
      echo "# uptime before: $(uptime)"
      sed "s|$PWD/||g" "$config"
    } > "$summary"
    SHIFTQ_ARTIFACTS_ROOT=$artifacts SHIFTQ_DATA_ROOTS=$work SHIFTQ_MODELS_ROOTS=$work \
      SHIFTQ_STAGE_JAVA_OPTS="-Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -Xmx1536m" \
      flock /tmp/shiftq-heavy.lock scripts/demo.sh "$config" > "$work/demo-$m-$q.log" 2>&1 \
      || { tail -n 30 "$work/demo-$m-$q.log" >&2; die "$m $q failed: $work/demo-$m-$q.log"; }
    grep -E "accuracy|integer|peak RSS|stage timings|done in" "$work/demo-$m-$q.log" | sed "s|$PWD/||g" >> "$summary"
    echo "# uptime after: $(uptime)" >> "$summary"
    report=$(find "$artifacts" -maxdepth 2 -name report.json | head -1)
    [ -n "$report" ] || die "no report under $artifacts"
    sed "s|$PWD/||g" "$report" > "$out/${m}_$q.json"
    cat "$summary"
  done
done
