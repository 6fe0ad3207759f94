"""A request's file paths (``data.path``, ``model.weights``, ``model.path``) kept inside the directories the operator
allows, as the Java stages' ``ConfinedPaths``: a path is judged after ``..`` and symbolic links are resolved, so
neither can lead out of a root, and every path outside is refused before any work, naming the field and the roots.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: ``shiftq.data.roots``' default: where Debian's dataset packages install (Fashion-MNIST in .../fashion-mnist).
DEFAULT_DATA_ROOT = Path("/usr/share/datasets")


class OutsideRoots(ValueError):
    """Paths outside their roots; ``problems`` has one ``field: ...`` line per path."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _env_roots(name: str, default: list[Path]) -> list[Path]:
    given = os.environ.get(name, "")
    return [Path(p.strip()) for p in given.split(",") if p.strip()] or default


def real(p: str | Path) -> Path:
    """Absolute and normalized, with symbolic links resolved for the longest part that exists."""
    return Path(os.path.realpath(Path(p).expanduser()))


@dataclass(frozen=True)
class Roots:
    """The directories a request's data (``SHIFTQ_DATA_ROOTS``) and model files (``SHIFTQ_MODELS_ROOTS``) must lie
    in; the environment names are the Java services' ``shiftq.data.roots`` and ``shiftq.models.roots``."""
    data: tuple[Path, ...]
    models: tuple[Path, ...]

    @staticmethod
    def from_env(artifacts_root: Path) -> Roots:
        """The environment's roots; by default Debian's datasets directory and the artifact store, as in Java."""
        return Roots(tuple(real(r) for r in _env_roots("SHIFTQ_DATA_ROOTS", [DEFAULT_DATA_ROOT])),
                     tuple(real(r) for r in _env_roots("SHIFTQ_MODELS_ROOTS", [artifacts_root])))

    @staticmethod
    def anywhere() -> Roots:
        """No confinement: the operator's own run (``shiftq_aimet.local``, as the engine's LocalRun)."""
        return Roots((Path("/"),), (Path("/"),))

    def check(self, data_path: str, weights: str | None, model_path: str | None) -> None:
        """Raises OutsideRoots listing each path outside its roots (all of them, as ConfinedPaths.check)."""
        problems: list[str] = []
        _inside("data.path", data_path, self.data, "SHIFTQ_DATA_ROOTS", problems)
        for field, value in (("model.weights", weights), ("model.path", model_path)):
            if value and value.strip():
                _inside(field, value.removeprefix("file:"), self.models, "SHIFTQ_MODELS_ROOTS", problems)
        if problems:
            raise OutsideRoots(problems)

    def model_file(self, field: str, value: str) -> Path:
        """The real path of a model file under the model roots; OutsideRoots naming the field otherwise."""
        problems: list[str] = []
        path = _inside(field, value.removeprefix("file:"), self.models, "SHIFTQ_MODELS_ROOTS", problems)
        if problems:
            raise OutsideRoots(problems)
        return path


def _inside(field: str, value: str, roots: tuple[Path, ...], env: str, problems: list[str]) -> Path:
    path = real(value)
    if not any(path == r or r in path.parents for r in roots):
        problems.append(f"{field}: '{value}' is outside the allowed roots {[str(r) for r in roots]} ({env})")
    return path
