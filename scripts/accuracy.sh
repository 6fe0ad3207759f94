#!/usr/bin/env bash
# Reproduces the README's accuracy table on the full Fashion-MNIST test set (10,000 images):
# run 1 trains the FP32 baseline and quantizes it W8A8; runs 2 to 13 start from its weights.
# Each run writes .shiftq/accuracy/<run>/report.json. Takes about 65 minutes on 2 cores.
# Usage: scripts/accuracy.sh [run ...]   (no argument: all runs; a name is a file in configs/accuracy/)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || apt-get install -y dataset-fashion-mnist
mvn -B -q -DskipTests install -pl tools -am
mvn -B -q dependency:build-classpath -pl tools -Dmdep.outputFile=target/tools.cp >/dev/null
cp="tools/target/classes:$(cat tools/target/tools.cp)"
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(fp32_w8a8 w4a8_ptq w4a8_pc_ptq w4a8_qat w4a8_pc_qat w4a4_qat w4a8_qat_constant_lr
  w4a8_qat_seed7 w4a8_pc_qat_seed7 w4a8_ptq_cle w4a8_pc_ptq_bc w4a8_qat_cle w4a4_qat_cle)
for run in "${runs[@]}"; do
  echo "== $run"
  java -Xmx6g -cp "$cp" io.shiftq.tools.LocalRun "configs/accuracy/$run.yaml" ".shiftq/accuracy/$run" "$run" 2>/dev/null \
    | grep -vE '^\s+epoch'
done
