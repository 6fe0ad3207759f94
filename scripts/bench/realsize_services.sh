#!/usr/bin/env bash
# Each service's peak RSS on a resnet18 224x224 job run through the services (scripts/demo.sh), with the stage
# containers' heap (-Xmx1536m; their limit is 2.5 GiB): torchvision's resnet18 (10 classes, exported by
# scripts/models/export_torchvision.py, BatchNorm made to look trained) as model.path, an image folder made from
# Fashion-MNIST by scripts/data/make_fashion_folder.py (no photo data set is reachable here) read with torchvision's
# ImageNet transforms, baseline.epochs 0 so the imported weights are used, PTQ, 1 QAT epoch, final PTQ, export and
# the integer check. Then the integer check's speed on the job's deployment files (IntegerBenchmark, random inputs of
# 3x224x224). Writes docs/results/realsize-services-<TRAIN>.txt (demo.sh's summary: stage timings and peak RSS).
# Usage: scripts/bench/realsize_services.sh [TRAIN_IMAGES] [VAL_IMAGES]   (defaults 2000 320; under flock
# /tmp/shiftq-heavy.lock; KAFKA_PORT, KAFKA_CONTROLLER_PORT and SHIFTQ_PORT_BASE as for demo.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_fashion_mnist
train=${1:-2000}
val=${2:-320}
py="$(scripts/python-env.sh)/bin/python"
work=$PWD/.shiftq/bench/realsize
folder=$work/folder$train
[ -d "$folder/train" ] || "$py" scripts/data/make_fashion_folder.py "$folder" "$train" "$val"
onnx=$work/models10/resnet18-torchscript/resnet18.onnx
[ -f "$onnx" ] || "$py" scripts/models/export_torchvision.py --out "$work/models10" --size 224 --models resnet18 \
  --exporters torchscript --inputs 4 --num-classes 10 >&2
config=$work/resnet18-$train.yaml
cat > "$config" <<YAML
# scripts/bench/realsize_services.sh: resnet18 at 224x224 through the services, $train training images.
model: {path: $onnx, num_classes: 10}
$(imagenet_folder_data "$folder" train)
baseline: {epochs: 0}
ptq: {calibration_batches: 10}
training: {epochs: 1, learning_rate: 0.0001}
YAML
out=docs/results/realsize-services-$train.txt
mkdir -p docs/results
{
  echo "uptime before: $(uptime)"
  echo "config: $config"
  cat "$config"
} > "$out"
artifacts=$work/artifacts-$train
rm -rf "$artifacts"
SHIFTQ_ARTIFACTS_ROOT=$artifacts SHIFTQ_DATA_ROOTS=$work SHIFTQ_MODELS_ROOTS=$work \
  SHIFTQ_STAGE_JAVA_OPTS="-Dai.djl.offline=true -Dai.djl.default_engine=PyTorch -Xmx1536m" \
  scripts/demo.sh "$config" 2>&1 | tee "$work/demo-$train.log" | grep -E "peak RSS|stage timings|done in|report file|did not|rror" \
  | tee -a "$out" || true
echo "uptime after: $(uptime)" | tee -a "$out"

# The integer check's speed on this job's deployment files alone (random 3x224x224 inputs, seed 0).
deploy=$(dirname "$(find "$artifacts" -name model.json -path '*final*' | head -1)")
[ -n "$deploy" ] && [ "$deploy" != . ] || die "no final deployment files under $artifacts (see $work/demo-$train.log)"
cp=$(tools_classpath)
engine_env
for t in 1 2; do
  SHIFTQ_INTRA_OP_THREADS=$t java -cp "$cp" io.shiftq.tools.IntegerBenchmark "$deploy" 2 random:64 2>/dev/null \
    | grep -o '{.*}' | tee -a "$out"
done
