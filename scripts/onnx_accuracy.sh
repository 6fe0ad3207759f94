#!/usr/bin/env bash
# The README's rows for the ONNX models (configs/onnx/*.yaml) on the full Fashion-MNIST test set: each run
# imports the PyTorch-exported model, runs PTQ (and QAT where the config says), final PTQ, the export and the
# integer check, and writes .shiftq/onnx-accuracy/<run>/report.json. Builds with `package` in one reactor
# (no `mvn install`), and runs from a copy of the jars so a rebuild does not disturb a running job.
# Usage: scripts/onnx_accuracy.sh [run ...]   (no argument: every file in configs/onnx/)
# TEST_LIMIT=n / TRAIN_LIMIT=n run on the first n test / training images instead of all (0 = all).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || apt-get install -y dataset-fashion-mnist
mvn -B -q package -DskipTests dependency:build-classpath -pl tools -am -Dmdep.outputFile=target/tools.cp
jars=$(mktemp -d)
trap 'rm -rf "$jars"' EXIT
cp tools/target/classes -r "$jars/tools-classes"
cp engine/target/engine-*.jar shared-schema/target/shared-schema-*.jar "$jars/"
cp="$jars/tools-classes:$jars/$(basename engine/target/engine-*.jar):$jars/$(basename shared-schema/target/shared-schema-*.jar)"
cp="$cp:$(tr ':' '\n' < tools/target/tools.cp | grep -v '/target/' | paste -sd:)"
runs=("$@")
[ ${#runs[@]} -gt 0 ] || mapfile -t runs < <(ls configs/onnx | sed 's/\.yaml$//')
for run in "${runs[@]}"; do
  echo "== $run"
  start=$(date +%s)
  config="$jars/$run.yaml"
  sed -e "s/train_limit: 0/train_limit: ${TRAIN_LIMIT:-0}/" -e "s/test_limit: 0/test_limit: ${TEST_LIMIT:-0}/" \
    "configs/onnx/$run.yaml" > "$config"
  java -Xmx6g -cp "$cp" io.shiftq.tools.LocalRun "$config" ".shiftq/onnx-accuracy/$run" "$run" 2>/dev/null \
    | grep -vE '^\s+epoch'
  echo "   ($(( $(date +%s) - start )) s)"
done
