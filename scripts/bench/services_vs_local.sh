#!/usr/bin/env bash
# The same job through the five services (scripts/demo.sh) and in one process (LocalRun), one after the other,
# with each stage's time side by side and the ratio, so a regression in what the services add shows
# (docs/benchmarks.md, "Services against one process"). Also checks that both gave the same accuracies.
#
#   scripts/bench/services_vs_local.sh [CONFIG.yaml]     default configs/examples/demo.yaml; about 4 min on 2 cores
#
# The environment of scripts/demo.sh applies (SHIFTQ_PORT_BASE, KAFKA_PORT, SHIFTQ_STAGE_JAVA_OPTS, ...).
# Timings mean something only on an otherwise idle machine: the script prints the load (uptime) before and after.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
# LocalRun in the environment demo.sh gives the services (OpenMP wait policy, malloc thresholds).
engine_env
need_debian time /usr/bin/time
config=${1:-configs/examples/demo.yaml}
out=.shiftq/bench/services_vs_local
rm -rf "$out" && mkdir -p "$out"
echo "load before: $(uptime)"
scripts/demo.sh "$config" | tee "$out/demo.log"
report=$(sed -n 's/.*report file: *//p' "$out/demo.log" | tail -1)
[[ -f "$report" ]] || { echo "services_vs_local: no report file in the demo's output" >&2; exit 1; }
mvn -B -q -DskipTests install -pl tools -am
mvn -B -q dependency:build-classpath -pl tools -Dmdep.outputFile=target/tools.cp >/dev/null
cp="tools/target/classes:$(cat tools/target/tools.cp)"
# The stage services' JVM options (scripts/demo.sh), so heap and threads match.
# shellcheck disable=SC2086 # the options are meant to split into words
/usr/bin/time -f "LocalRun: CPU user %U s  system %S s  page faults %R  peak RSS %M KB" \
  java ${SHIFTQ_STAGE_JAVA_OPTS:-$(sed -n 's/^STAGE_JAVA_OPTS="${SHIFTQ_STAGE_JAVA_OPTS:-\(.*\)}"$/\1/p' scripts/demo.sh)} \
  -cp "$cp" io.shiftq.tools.LocalRun "$config" "$out/local" compare 2>"$out/local.err" | grep -v '^  epoch'
grep '^LocalRun: CPU' "$out/local.err" || true
echo "load after: $(uptime)"
python3 - "$report" "$out/local/report.json" <<'PY'
import json, sys
services, local = (json.load(open(p)) for p in sys.argv[1:3])
ts, tl = services["stage_timings_ms"], local["stage_timings_ms"]
print(f"{'stage':<12}{'services s':>12}{'LocalRun s':>12}{'ratio':>8}")
for stage in ("calibration", "ptq", "qat", "final_ptq"):
    if stage in ts and stage in tl and tl[stage]:
        print(f"{stage:<12}{ts[stage] / 1000:>12.1f}{tl[stage] / 1000:>12.1f}{ts[stage] / tl[stage]:>8.2f}")
stages = sum(ts.get(s, 0) for s in ("calibration", "ptq", "qat", "final_ptq"))
local_stages = sum(tl.get(s, 0) for s in ("calibration", "ptq", "qat", "final_ptq"))
print(f"{'all stages':<12}{stages / 1000:>12.1f}{local_stages / 1000:>12.1f}{stages / local_stages:>8.2f}")
print("services' own:", {k: v for k, v in ts.items() if k in ("request_handoff", "kafka_handoffs", "artifact_io")})
shown = ("initial_accuracy", "ptq_accuracy", "qat_best_accuracy", "final_accuracy", "integer_check")
same = all(services.get(k) == local.get(k) for k in shown + ("shift_records",))
print("same accuracies, integer check and shift records:" if same else "DIFFERENT results:",
      {k: services.get(k) if services.get(k) == local.get(k) else (services.get(k), local.get(k)) for k in shown})
sys.exit(0 if same else 1)
PY
