# shellcheck shell=bash
# What the scripts share; source it after `cd` to the repository root:  . scripts/lib.sh
#   say / die                  a line on stdout tagged with the script's name / an error on stderr, exit 1
#   need_debian PKG [FILE]     install a Debian package when FILE (or the command PKG) is missing; as root
#                              only, otherwise die with the apt-get command to run
#   need_fashion_mnist         Fashion-MNIST (Debian's dataset-fashion-mnist) at $FASHION_MNIST_DIR
#   tools_classpath [DIR]      build tools/ and what it needs in one Maven session (no install) and print a
#                              java -cp classpath; with DIR, the built jars are copied there first, so a rebuild
#                              during a long run does not change the classes it runs

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
