#!/usr/bin/env bash
# Image loading at 224x224 on a folder of JPEGs made from Fashion-MNIST (scripts/data/make_fashion_folder.py; no
# photo data set is reachable here): shiftq's loader (LoaderBench: decode+transform images/s, and a VGGSmall QAT step
# fed by the loader against the same batches in memory) and torchvision's DataLoader with the same worker count, one
# after the other in the same run. Usage: scripts/bench/loader.sh FOLDER [WORKERS] [IMAGES] [STEPS]
# Run it under flock /tmp/shiftq-heavy.lock on a shared machine and say the load when quoting the numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
folder=$1 workers=${2:-2} images=${3:-2000} steps=${4:-10}
mvn -B -q -DskipTests install -pl tools -am
mvn -B -q dependency:build-classpath -pl tools -Dmdep.outputFile=target/tools.cp >/dev/null
cp="tools/target/classes:$(cat tools/target/tools.cp)"
py=${SHIFTQ_PYTHON:-$(scripts/python-env.sh)/bin/python}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx1536m -cp "$cp" io.shiftq.tools.LoaderBench "$folder" "$workers" "$images" "$steps" 2>/dev/null
"$py" scripts/bench/loader_torchvision.py "$folder" "$workers" "$images"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
