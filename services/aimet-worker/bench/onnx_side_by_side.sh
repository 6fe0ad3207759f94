#!/usr/bin/env bash
# Issue 22's same-run comparison: for each config, the AIMET worker (shiftq_aimet.local, with its integer deploy
# files) and the custom engine (io.shiftq.tools.LocalRun), one right after the other on the same machine, from the
# same ONNX file (its FP32 weights are the one baseline); the aimet job's events become its report as the reporting
# service assembles it (io.shiftq.reporting.ReportFromEvents); then bench/compare_onnx.py prints the table: accuracy
# after each stage, the integer check of each, the exponents that differ, and the job time ratio aimet / custom, with
# the load average around each job (the ratio means little on a loaded machine).
# Usage (repository root): services/aimet-worker/bench/onnx_side_by_side.sh OUT_DIR CONFIG.yaml...
# The tools' classpath is $SHIFTQ_DEPLOY_CLASSPATH, else tools/ is built (tools_classpath in scripts/lib.sh); the
# reporting service's is $SHIFTQ_REPORTING_CLASSPATH, else services/reporting is built.
# Heavy: run it under `nice` / `flock /tmp/shiftq-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. scripts/lib.sh
[[ $# -ge 2 ]] || die "usage: $0 OUT_DIR CONFIG.yaml..."
out=$1
shift
mkdir -p "$out"
need_fashion_mnist
venv=$(scripts/python-env.sh)
cp=${SHIFTQ_DEPLOY_CLASSPATH:-$(tools_classpath)}
if [[ -z ${SHIFTQ_REPORTING_CLASSPATH:-} ]]; then
  mvn -B -q -DskipTests package dependency:build-classpath -pl services/reporting -am \
    -Dmdep.outputFile=target/reporting.cp >&2
  SHIFTQ_REPORTING_CLASSPATH="$PWD/services/reporting/target/classes:$(cat services/reporting/target/reporting.cp)"
fi
engine_env
export PYTHONPATH=services/aimet-worker SHIFTQ_TORCH_THREADS=${SHIFTQ_TORCH_THREADS:-2} SHIFTQ_DEPLOY_CLASSPATH=$cp
load() { cut -d' ' -f1-3 /proc/loadavg; }
for cfg in "$@"; do
  run=$(basename "$cfg" .yaml)
  say "$run: aimet (load $(load))"
  echo "aimet before $(load)" >"$out/$run.load"
  "$venv/bin/python" -m shiftq_aimet.local "$cfg" "$out/aimet-$run" "$run" 2>"$out/aimet-$run.log" \
    | grep -E '^(calibration|ptq|qat|final_ptq) ' || { tail -n 30 "$out/aimet-$run.log" >&2; die "aimet failed on $cfg"; }
  echo "aimet after $(load)" >>"$out/$run.load"
  say "$run: custom (load $(load))"
  java -Xmx4g -Dai.djl.offline=true -cp "$cp" io.shiftq.tools.LocalRun "$cfg" "$out/custom-$run" "$run" >"$out/custom-$run.log" 2>&1 \
    || { tail -n 30 "$out/custom-$run.log" >&2; die "LocalRun failed on $cfg"; }
  echo "custom after $(load)" >>"$out/$run.load"
done
for cfg in "$@"; do
  run=$(basename "$cfg" .yaml)
  java -cp "$SHIFTQ_REPORTING_CLASSPATH" io.shiftq.reporting.ReportFromEvents "$out/aimet-$run/events.json" \
    "$out/aimet-$run/report.json"
done
"$venv/bin/python" services/aimet-worker/bench/compare_onnx.py "$out" "$@"
