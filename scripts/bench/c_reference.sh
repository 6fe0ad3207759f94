#!/usr/bin/env bash
# The C reference's speed beside the Java integer executor's, on the Fashion-MNIST test images: each config runs
# to its deployment files (io.shiftq.tools.CReferenceBench), then the Java executor on 1 and on 2 threads (first
# java_images test images) and shiftq_main built with gcc -O2 (no sanitizers, one process: one core; all 10,000)
# classify them, and the three must give the same logit codes. images/s are per CPU second on both sides (C: its
# clock(); Java on 1 thread: that thread's CPU time), so other work on the machine does not count; the wall-time
# figures are printed too. Prints one JSON line per config.
# Usage: scripts/bench/c_reference.sh [java_images] [config.yaml ...]
# (default: 500; scripts/bench/c_reference_vggsmall.yaml and c_reference_resnetsmall.yaml)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
images=${1:-500}
shift || true
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(scripts/bench/c_reference_vggsmall.yaml scripts/bench/c_reference_resnetsmall.yaml)
need_debian gcc
need_fashion_mnist
cp=$(tools_classpath)
gcc --version | head -1
grep -m1 'model name' /proc/cpuinfo || true
for c in "${configs[@]}"; do
  out=.shiftq/bench/c_reference/$(basename "$c" .yaml)
  java -cp "$cp" io.shiftq.tools.CReferenceBench "$c" "$out" "$images" 2>/dev/null | grep -o '{.*}'
done
