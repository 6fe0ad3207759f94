#!/usr/bin/env bash
# Runs every test of shiftq on a fresh machine (the engine's TorchvisionImportTest exports two torchvision models
# with scripts/models/export_torchvision.py in the environment scripts/python-env.sh prints, or $SHIFTQ_PYTHON,
# creating it when missing): installs what the tests read (Fashion-MNIST from
# Debian's dataset-fashion-mnist; the ONNX test models, made by scripts/models/make_onnx_models.py in the
# environment scripts/python-env.sh prints, or $SHIFTQ_PYTHON, when they are missing), starts one real Kafka broker (scripts/kafka.sh, jars from Maven
# Central, no Docker) for all test JVMs, runs `mvn verify` (Java tests, formatting, architecture),
# then the AIMET side in the project's Python environment (scripts/python-env.sh; the first run
# downloads about 3 GB of PyPI wheels, aimet-torch and a CUDA build of torch that runs on the CPU,
# and takes several minutes; later runs reuse it): the engine's AIMET export loaded into aimet-torch
# with strict=True (scripts/check/aimet-export.sh) and the AIMET worker's suite against the broker
# (scripts/aimet-test.sh), then the deployment checks: k8s/ rendered and validated offline against the real schemas
# (scripts/check/k8s.sh) and docker-compose.yml run for real with a small job of each variant
# (scripts/check/compose.sh; SHIFTQ_COMPOSE_CHECK=0 leaves it out), and stops the broker again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

need_fashion_mnist
# The page's browser test (e2e WebPageIT) drives Debian's Chromium through its chromedriver.
need_debian chromium /usr/bin/chromium
need_debian chromium-driver /usr/bin/chromedriver
# The C reference tests build with gcc and its AddressSanitizer and UBSan runtimes (Debian's gcc brings both).
need_debian gcc

# The ONNX test models (a few hundred KB, committed) are made by PyTorch; remake them only when absent.
onnx_dir=engine/src/test/resources/onnx
if [ ! -f $onnx_dir/resnet_style.onnx ] || [ ! -f $onnx_dir/mobilenet_style.onnx ]; then
  py=${SHIFTQ_PYTHON:-$(scripts/python-env.sh)/bin/python}
  echo "making the ONNX test models with $py (trains two small nets for one epoch: minutes)"
  "$py" scripts/models/make_onnx_models.py --out $onnx_dir
fi

started_broker=0
if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  export KAFKA_PORT=${KAFKA_PORT:-19092} KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
  KAFKA_BOOTSTRAP_SERVERS=$(scripts/kafka.sh start | tail -n 1)
  export KAFKA_BOOTSTRAP_SERVERS
  started_broker=1
  trap 'scripts/kafka.sh stop >/dev/null 2>&1 || true' EXIT
fi
echo "Kafka broker: $KAFKA_BOOTSTRAP_SERVERS"

mvn -B verify "$@"

# The engine's AIMET encodings in real aimet-torch: strict load, frozen powers of two, accuracy within 0.1 pt.
scripts/check/aimet-export.sh
# The AIMET worker: power-of-two snapping, event schemas, a job through the broker, the end-to-end report
# through the packaged reporting service and CLI (the strict-load test ran just above).
scripts/aimet-test.sh --ignore=services/aimet-worker/tests/test_custom_export.py

# Deployment files against the code, and k8s/ validated offline (the first run fills ~/.cache/shiftq: about 2.5 min).
scripts/check/k8s.sh
# docker-compose.yml for real with a tiny custom and a tiny aimet job, the AIMET worker's 7 GB image built too
# (about 6 min with no image and an empty cache, 2.5 min warm; docs/aimet.md).
[ "${SHIFTQ_COMPOSE_CHECK:-1}" = 0 ] || scripts/check/compose.sh
