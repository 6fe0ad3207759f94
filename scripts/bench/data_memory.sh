#!/usr/bin/env bash
# Peak resident memory of a whole 224x224 job (LocalRun: FP32 epoch, PTQ, final PTQ, export and the integer check) on
# an image folder, at 2,000 and at all of its training images, with the stage services' heap (-Xmx1536m): streaming
# means the two peaks are close. The model is the built-in LeNet5 at 3x224x224 (the resnet18 ONNX import is another
# issue's work); the folder is made from Fashion-MNIST by scripts/data/make_fashion_folder.py (no photo data set is
# reachable here). Usage: scripts/bench/data_memory.sh FOLDER [SMALL]   (under flock /tmp/shiftq-heavy.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=$1 small=${2:-2000}
mvn -B -q -DskipTests install -pl tools -am
mvn -B -q dependency:build-classpath -pl tools -Dmdep.outputFile=target/tools.cp >/dev/null
cp="tools/target/classes:$(cat tools/target/tools.cp)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for limit in "$small" 0; do
  cat > "$work/job.yaml" <<YAML
model: {name: LeNet5, num_classes: 10}
data:
  dataset: ImageFolder
  path: $folder
  batch_size: 32
  train_limit: $limit
  resize: 256
  center_crop: 224
  normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
  workers: 2
  prefetch: 2
baseline: {epochs: 1, learning_rate: 0.002}
training: {epochs: 0}
ptq: {calibration_batches: 10}
YAML
  start=$(date +%s)
  /usr/bin/time -f "%M" -o "$work/rss" java -Xmx1536m -cp "$cp" io.shiftq.tools.LocalRun "$work/job.yaml" "$work/out-$limit" \
    > "$work/log-$limit" 2>&1 || { tail -20 "$work/log-$limit"; exit 1; }
  images=$(find "$folder/train" -name '*.jpg' | wc -l); [ "$limit" = 0 ] || images=$limit
  echo "train images $images: peak RSS $(( $(cat "$work/rss") / 1024 )) MB, $(( $(date +%s) - start )) s;" \
    "$(grep -o '"final_accuracy"[^,]*' "$work/out-$limit/report.json" | head -1)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
