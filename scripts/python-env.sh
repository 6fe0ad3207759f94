#!/usr/bin/env bash
# Prints the path of the project's Python environment (AIMET worker, its tests, the test models and
# the PyTorch benchmark peer), creating it first when missing. The environment lives under a cache
# directory keyed by the sha256 of services/aimet-worker/requirements.lock, so a second run, or a
# run after an unrelated change, reuses it; a changed lock file gets a fresh one. The first install
# downloads about 3 GB (PyPI's torch is a CUDA build; it runs on the CPU) and takes minutes.
# `scripts/python-env.sh lint`: the small environment of the worker's lint tools (ruff, mypy), from
# services/aimet-worker/requirements-lint.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=services/aimet-worker/requirements.lock name=venv
if [ "${1:-}" = lint ]; then
  lock=services/aimet-worker/requirements-lint.lock name=lint
fi
cache=${SHIFTQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shiftq}
key=$(sha256sum "$lock" | cut -c1-16)
venv=$cache/$name-$key
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$cache"
  echo "creating the Python environment $venv from $lock (first time: several minutes)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q --no-deps -r "$lock" >&2
  "$venv/bin/pip" check >&2
  touch "$venv/.complete"
fi
echo "$venv"
