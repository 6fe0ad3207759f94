#!/usr/bin/env bash
# The torchvision model sweep of issue 20 (docs/onnx-models.md): exports each classifier with both of PyTorch's
# exporters (scripts/models/export_torchvision.py, in the environment scripts/python-env.sh prints, or
# $SHIFTQ_PYTHON) into a temporary folder, then imports each into the engine (tools' OnnxModelSweep): imported or
# the one-line reason, FP32 logits vs ONNX Runtime on 16 random inputs, W8A8 integer executor vs fake-quant on 64,
# and the exported C reference (gcc -Wall -Wextra -Werror) vs the Java integer executor on 64 8-bit images made from
# those inputs (models up to 12M weights; -Dshiftq.sweep.c.maxParameters in JAVA_TOOL_OPTIONS moves the limit).
# Not part of scripts/test.sh (minutes of CPU); the test command runs a small subset (TorchvisionImportTest).
# Usage: scripts/onnx_models.sh [table.md] [export_torchvision.py options, e.g. --models resnet18 --size 64]
# SHIFTQ_EXPORTS=dir reuses a folder export_torchvision.py wrote instead of exporting again.
# Heavy: wrap in `flock /tmp/shiftq-heavy.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
table=${1:-onnx-models.table.md}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${SHIFTQ_EXPORTS:-}
if [ -z "$out" ]; then
  py=${SHIFTQ_PYTHON:-$(scripts/python-env.sh)/bin/python}
  out=$work/exports
  "$py" scripts/models/export_torchvision.py --out "$out" "$@" >"$work/export.log" 2>&1
fi
mvn -B -q package -DskipTests dependency:build-classpath -pl tools -am -Dmdep.outputFile=target/tools.cp
# Run from a copy of the jars, so a rebuild does not disturb the sweep.
cp -r tools/target/classes "$work/tools-classes"
cp engine/target/engine-*.jar shared-schema/target/shared-schema-*.jar "$work/"
# CReferenceCheck drives gcc through CProgram, which lives in the engine's tests: take those classes alone, not the
# tests jar, whose service files would register the tests' model and dataset providers.
(cd "$work/tools-classes" && jar xf "$(ls "$work"/engine-*-tests.jar | head -1)" io/shiftq/engine/deploy/c)
cp="$work/tools-classes:$(ls "$work"/engine-*.jar | grep -v -- -tests | head -1):$(ls "$work"/shared-schema-*.jar | head -1)"
cp="$cp:$(tr ':' '\n' < tools/target/tools.cp | grep -v '/target/' | paste -sd:)"
# The engine's log goes to a file; when the sweep dies, its end is shown instead of nothing.
java -Xmx8g -cp "$cp" io.shiftq.tools.OnnxModelSweep "$out" "$table" 2>"$work/sweep.log" \
  || { tail -n 20 "$work/sweep.log" >&2; exit 1; }
