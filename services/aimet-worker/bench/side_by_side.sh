#!/usr/bin/env bash
# The README's side-by-side: one FP32 baseline trained by the AIMET worker, then W8A8 and W4A8 (1 QAT epoch)
# from those weights through the AIMET worker (in-process, shiftq_aimet.local) and the custom engine
# (io.shiftq.tools.LocalRun), one run after the other; tables from bench/compare.py.
# Needs the engine compiled in this tree (mvn -B -q -DskipTests package -pl services/reporting,cli -am).
# About 45 minutes on the shared 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv=$(scripts/python-env.sh)
out=.shiftq/side-by-side
bench=services/aimet-worker/bench
export PYTHONPATH=services/aimet-worker SHIFTQ_TORCH_THREADS=${SHIFTQ_TORCH_THREADS:-2}
mvn -B -q -DskipTests compile dependency:build-classpath -pl tools -am -Dmdep.outputFile=target/tools.cp >/dev/null
# this tree's classes, not SNAPSHOT jars someone installed into ~/.m2
cp="tools/target/classes:engine/target/classes:shared-schema/target/classes:$(tr ':' '\n' < tools/target/tools.cp | grep -v io/shiftq | paste -sd:)"
time "$venv/bin/python" -m shiftq_aimet.local $bench/fp32.yaml $out/fp32 fp32
for run in w8a8 w4a8; do
  time "$venv/bin/python" -m shiftq_aimet.local $bench/$run.yaml $out/aimet-$run $run
  time java -Xmx4g -cp "$cp" io.shiftq.tools.LocalRun $bench/$run.yaml $out/custom-$run $run | grep -vE '^\s+epoch'
done
"$venv/bin/python" $bench/compare.py $out w8a8 w4a8
