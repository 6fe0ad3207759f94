#!/usr/bin/env bash
# The measured accuracy tables, on the full Fashion-MNIST test set (10,000 images), one engine run per config
# in one process (io.shiftq.tools.LocalRun): PTQ (and QAT where the config says), final PTQ, the export and the
# integer check. Each run writes <out>/<run>/report.json and prints its summary and wall time.
#   built-in VGGSmall (docs/results.md): configs/accuracy/, out .shiftq/accuracy; run 1 (fp32_w8a8) trains the
#     FP32 baseline and quantizes it W8A8, the others start from its weights; all 13 take about 65 min on 2 cores.
#   --onnx, the PyTorch-exported test models (docs/onnx.md): configs/onnx/, out .shiftq/onnx-accuracy.
#   --learned, learned rounding against nearest (docs/learned.md): configs/learned/, out .shiftq/learned-accuracy;
#     the VGGSmall runs read .shiftq/accuracy/fp32_w8a8/fp32_weights.npz (run fp32_w8a8 first).
# Runs from a copy of the built jars, so a rebuild does not disturb a running job.
# Usage: scripts/accuracy.sh [--onnx | --learned] [run ...]   (no run: all of them; a run is a file name in the config folder)
# TEST_LIMIT=n / TRAIN_LIMIT=n: the first n test / training images instead of all, in configs that set the
# limit to 0 (the ONNX ones).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

configs=configs/accuracy out=.shiftq/accuracy
if [[ ${1:-} == --onnx ]]; then
  configs=configs/onnx out=.shiftq/onnx-accuracy
  shift
elif [[ ${1:-} == --learned ]]; then
  configs=configs/learned out=.shiftq/learned-accuracy
  shift
fi
runs=("$@")
if [[ ${#runs[@]} -eq 0 && $configs == configs/accuracy ]]; then
  # In this order: run 1 makes the FP32 weights the others read.
  runs=(fp32_w8a8 w4a8_ptq w4a8_pc_ptq w4a8_qat w4a8_pc_qat w4a4_qat w4a8_qat_constant_lr
    w4a8_qat_seed7 w4a8_pc_qat_seed7 w4a8_ptq_cle w4a8_pc_ptq_bc w4a8_qat_cle w4a4_qat_cle)
elif [[ ${#runs[@]} -eq 0 ]]; then
  mapfile -t runs < <(ls "$configs" | sed 's/\.yaml$//')
fi
for run in "${runs[@]}"; do
  [[ -f $configs/$run.yaml ]] || die "no config $configs/$run.yaml; runs: $(ls "$configs" | sed 's/\.yaml$//' | paste -sd' ')"
done
need_fashion_mnist
jars=$(mktemp -d)
trap 'rm -rf "$jars"' EXIT
cp=$(tools_classpath "$jars")
for run in "${runs[@]}"; do
  echo "== $run"
  start=$(date +%s)
  config="$jars/$run.yaml"
  sed -e "s/train_limit: 0/train_limit: ${TRAIN_LIMIT:-0}/" -e "s/test_limit: 0/test_limit: ${TEST_LIMIT:-0}/" \
    "$configs/$run.yaml" > "$config"
  java -Xmx6g -cp "$cp" io.shiftq.tools.LocalRun "$config" "$out/$run" "$run" 2>/dev/null | grep -vE '^\s+epoch'
  echo "   ($(( $(date +%s) - start )) s)"
done
