"""A request's paths confined to the operator's roots, as the Java stages' ConfinedPathsTest checks them."""
from __future__ import annotations

from pathlib import Path

import pytest

from shiftq_aimet.paths import OutsideRoots, Roots


@pytest.fixture
def roots(tmp_path: Path) -> Roots:
    (tmp_path / "datasets" / "fashion-mnist").mkdir(parents=True)
    (tmp_path / "models").mkdir()
    return Roots((tmp_path / "datasets",), (tmp_path / "models",))


def test_paths_inside_the_roots_pass(roots, tmp_path):
    roots.check(str(tmp_path / "datasets" / "fashion-mnist"), "file:" + str(tmp_path / "models" / "m.npz"),
                str(tmp_path / "models" / "m.onnx"))


def test_every_path_outside_is_refused_naming_the_field_and_the_roots(roots, tmp_path):
    with pytest.raises(OutsideRoots) as e:
        roots.check("/etc", "/root/.ssh/id_rsa.npz", "/tmp/elsewhere/model.onnx")
    assert e.value.problems == [
        f"data.path: '/etc' is outside the allowed roots ['{tmp_path / 'datasets'}'] (SHIFTQ_DATA_ROOTS)",
        f"model.weights: '/root/.ssh/id_rsa.npz' is outside the allowed roots ['{tmp_path / 'models'}'] "
        "(SHIFTQ_MODELS_ROOTS)",
        f"model.path: '/tmp/elsewhere/model.onnx' is outside the allowed roots ['{tmp_path / 'models'}'] "
        "(SHIFTQ_MODELS_ROOTS)"]


def test_dot_dot_cannot_lead_out_of_a_root(roots, tmp_path):
    with pytest.raises(OutsideRoots, match="^data.path: "):
        roots.check(f"{tmp_path / 'datasets'}/../../etc", None, None)


def test_a_symbolic_link_inside_a_root_cannot_lead_out_of_it(roots, tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "datasets" / "escape").symlink_to(tmp_path / "secret")
    with pytest.raises(OutsideRoots, match="^data.path: "):
        roots.check(str(tmp_path / "datasets" / "escape"), None, None)
    # a file not yet there is judged by the part of its path that exists
    with pytest.raises(OutsideRoots, match="^data.path: "):
        roots.check(str(tmp_path / "datasets" / "escape" / "not-yet" / "x"), None, None)


def test_the_roots_come_from_the_environment_as_the_java_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("SHIFTQ_DATA_ROOTS", raising=False)
    monkeypatch.delenv("SHIFTQ_MODELS_ROOTS", raising=False)
    assert Roots.from_env(tmp_path) == Roots((Path("/usr/share/datasets").resolve(),), (tmp_path.resolve(),))
    monkeypatch.setenv("SHIFTQ_DATA_ROOTS", f"{tmp_path}/a, {tmp_path}/b")
    assert Roots.from_env(tmp_path).data == (tmp_path / "a", tmp_path / "b")
