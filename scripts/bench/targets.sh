#!/usr/bin/env bash
# Hardware targets (docs/targets.md): each config of configs/targets/ through the engine in one process
# (io.shiftq.tools.LocalRun), its report copied to docs/results/targets/<run>.json. For a run whose C reference
# declares int16_t accumulators (a 16-bit target), the C reference is compiled (gcc -O2) and run on the images the
# Java integer executor ran (its accuracy printed beside the executor's) and on the whole Fashion-MNIST test set.
# infeasible_acc8 must fail: it prints the reason and how long after the start the job failed.
# Usage: scripts/bench/targets.sh [run ...]   (no run: all of them). Runs take 1-4 min each on 2 shared cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_fashion_mnist
need_debian gcc
configs=configs/targets out=.shiftq/targets results=docs/results/targets
runs=("$@")
[[ ${#runs[@]} -gt 0 ]] || mapfile -t runs < <(ls "$configs" | sed 's/\.yaml$//')
jars=$(mktemp -d)
trap 'rm -rf "$jars"' EXIT
cp=$(tools_classpath "$jars")
mkdir -p "$results" "$out"
gunzip -c "$FASHION_MNIST_DIR/t10k-images-idx3-ubyte.gz" > "$jars/images"
gunzip -c "$FASHION_MNIST_DIR/t10k-labels-idx1-ubyte.gz" > "$jars/labels"
for run in "${runs[@]}"; do
  echo "== $run"
  start=$(date +%s.%N)
  if [[ $run == infeasible* ]]; then
    if java -Xmx4g -cp "$cp" io.shiftq.tools.LocalRun "$configs/$run.yaml" "$out/$run" "$run" > "$out/$run.log" 2>&1; then
      die "$run was expected to fail"
    fi
    grep -m1 -o 'target [a-z0-9]*: layer .*' "$out/$run.log"
    printf '   failed after %.1f s (the JVM and DJL start included)\n' "$(echo "$(date +%s.%N) - $start" | bc)"
    continue
  fi
  java -Xmx6g -cp "$cp" io.shiftq.tools.LocalRun "$configs/$run.yaml" "$out/$run" "$run" 2>/dev/null | grep -vE '^\s+epoch'
  cp "$out/$run/report.json" "$results/$run.json"
  deploy="$out/$run/deploy"
  if grep -q 'int16_t acc' "$deploy/shiftq_model.c"; then
    echo "   C accumulators: $(grep -oE 'int(16|32|64)_t acc(\[| = )' "$deploy/shiftq_model.c" | sort | uniq -c | paste -sd' ')"
    limit=$(python3 -c "import json; print(json.load(open('$out/$run/report.json'))['integer_check']['images'])")
    java_acc=$(python3 -c "import json; print(json.load(open('$out/$run/report.json'))['integer_check']['integer_accuracy'])")
    (cd "$deploy" && gcc -O2 -std=c99 -Wall -Wextra -Werror -o shiftq_main shiftq_main.c \
      && ./shiftq_main "$jars/images" "$jars/labels" - "$limit" | head -1 | sed "s/^/   C -O2, the executor's $limit images: /;s/\$/ (Java executor $java_acc%)/" \
      && ./shiftq_main "$jars/images" "$jars/labels" - | head -1 | sed 's/^/   C -O2, whole test set: /')
  fi
  printf '   (%.0f s)\n' "$(echo "$(date +%s.%N) - $start" | bc)"
done
