#!/usr/bin/env bash
# The six refactor-check jobs (scripts/check/refactor-configs/) through LocalRun into OUT/<job>, on this checkout's
# code, its classes copied into OUT/classpath first so that a rebuild during the runs changes nothing. Run it before
# and after a change that must not change behaviour, then compare job by job (docs/refactor-check.md):
#   for j in tiny lenet_pc vgg_w4a8 resnet_small onnx_mobilenet_pc onnx_resnet; do
#     python3 scripts/check/compare_runs.py BEFORE/$j AFTER/$j; done
# Usage: scripts/check/refactor-runs.sh OUT
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
[[ $# -eq 1 ]] || die "usage: scripts/check/refactor-runs.sh OUT"
need_fashion_mnist
mkdir -p "$1/classpath"
cp=$(tools_classpath "$1/classpath")
for job in tiny lenet_pc vgg_w4a8 resnet_small onnx_mobilenet_pc onnx_resnet; do
  start=$(date +%s)
  java -Xmx4g -cp "$cp" io.shiftq.tools.LocalRun "scripts/check/refactor-configs/$job.yaml" "$1/$job" >"$1/$job.log" 2>&1 \
    || die "$job failed, see $1/$job.log"
  say "$job done in $(($(date +%s) - start)) s"
done
