# shellcheck shell=bash
# What the scripts share; source it after `cd` to the repository root:  . scripts/lib.sh
#   say / die                  a line on stdout tagged with the script's name / an error on stderr, exit 1
#   need_debian PKG [FILE]     install a Debian package when FILE (or the command PKG) is missing; as root
#                              only, otherwise die with the apt-get command to run
#   need_fashion_mnist         Fashion-MNIST (Debian's dataset-fashion-mnist) at $FASHION_MNIST_DIR
#   imagenet_folder_data DIR [train]   the data section of a job on an image folder with ImageNet transforms
#   tools_classpath [DIR]      build tools/ and what it needs in one Maven session (no install) and print a
#                              java -cp classpath; with DIR, the built jars are copied there first, so a rebuild
#                              during a long run does not change the classes it runs
#   engine_env                 export the environment libtorch runs best in, as the images set it (unless set)

FASHION_MNIST_DIR=/usr/share/datasets/fashion-mnist
SHIFTQ_SCRIPT=${SHIFTQ_SCRIPT:-$(basename "$0" .sh)}

say() { printf '\033[1m%s:\033[0m %s\n' "$SHIFTQ_SCRIPT" "$*"; }
die() { printf '%s: %s\n' "$SHIFTQ_SCRIPT" "$*" >&2; exit 1; }

need_debian() {
  local pkg=$1 file=${2:-}
  if [[ -n $file ]]; then [[ -e $file ]] && return 0; else command -v "$pkg" >/dev/null && return 0; fi
  [[ $(id -u) -eq 0 ]] || die "missing $pkg - run: sudo apt-get update && sudo apt-get install -y $pkg"
  say "installing $pkg from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

need_fashion_mnist() {
  need_debian dataset-fashion-mnist "$FASHION_MNIST_DIR/t10k-images-idx3-ubyte.gz"
}

# The data section of a job config for an image folder read with torchvision's ImageNet transforms: evaluation (and
# calibration, and the integer check) Resize(256) + CenterCrop(224); for training (a second argument "train")
# RandomResizedCrop(224) + RandomHorizontalFlip; then Normalize; batches of 32 decoded by two workers.
imagenet_folder_data() {
  cat <<YAML
data:
  dataset: ImageFolder
  path: $1
  batch_size: 32
  resize: 256
  center_crop: 224
YAML
  [[ ${2:-} != train ]] || printf '  random_resized_crop: 224\n  horizontal_flip: true\n'
  cat <<YAML
  normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
  workers: 2
  prefetch: 2
YAML
}

tools_classpath() {
  local copy=${1:-} entry cp
  mvn -B -q -DskipTests package dependency:build-classpath -pl tools -am -Dmdep.outputFile=target/tools.cp >&2
  if [[ -z $copy ]]; then
    echo "$PWD/tools/target/classes:$(cat tools/target/tools.cp)"
    return
  fi
  cp -r tools/target/classes "$copy/tools-classes"
  cp="$copy/tools-classes"
  for entry in $(tr ':' '\n' < tools/target/tools.cp); do
    # The reactor's own jars (engine, shared-schema) are copied; the Maven repository's stay where they are.
    if [[ $entry == */target/* ]]; then
      cp "$entry" "$copy/"
      entry="$copy/$(basename "$entry")"
    fi
    cp="$cp:$entry"
  done
  echo "$cp"
}

# How libtorch's native side should run, wherever the engine runs (the stage images set the same in their
# Dockerfile.jvm; docs/benchmarks.md, "Services against one process"):
# - OMP_WAIT_POLICY=PASSIVE: OpenMP's threads sleep as soon as an operation ends instead of spinning for a few
#   milliseconds, holding a core that the broker, the other JVMs or the computing thread then wait for.
# - glibc's malloc keeps what libtorch frees instead of giving it back to the kernel: tensors up to 32 MB come from
#   its arenas (no mmap/munmap per tensor) and free memory at the top of an arena is never trimmed. Without this a
#   stage took 2.4 million page faults per job, 10 s of kernel time, and the user time of touching fresh pages.
engine_env() {
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
  export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-33554432}
  export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-4294967296}
}
