"""Tests of scripts/check/deploy_consistency.py: it passes on the repository as it is, and each kind of drift between
the code and the deployment files makes it fail with a message naming the drift. Each test copies the files the
check reads into a temporary tree, changes one thing, and runs the check there.

    python3 -m pytest -q scripts/check/test_deploy_consistency.py     (scripts/check/k8s.sh runs it)
Needs kustomize (scripts/check/k8s.sh caches it in ${SHIFTQ_CACHE:-~/.cache/shiftq}/bin) and PyYAML.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KUSTOMIZE = os.path.join(os.environ.get("SHIFTQ_CACHE", os.path.expanduser("~/.cache/shiftq")), "bin", "kustomize")


def copy_repo(tmp):
    os.makedirs(tmp)
    def ignore(d, names):
        return [n for n in names if n in ("target", ".git", ".kafka", ".shiftq", "node_modules", "libs")]
    for part in ("pom.xml", "docker-compose.yml", "shared-schema", "services", "k8s", "configs", "scripts"):
        src, dst = os.path.join(REPO, part), os.path.join(tmp, part)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=ignore)
        elif os.path.exists(src):
            shutil.copy(src, dst)
    for p in ("engine", "test-support", "cli", "e2e", "tools"):  # poms only: modules() maps artifactIds
        if os.path.isfile(os.path.join(REPO, p, "pom.xml")):
            os.makedirs(os.path.join(tmp, p), exist_ok=True)
            shutil.copy(os.path.join(REPO, p, "pom.xml"), os.path.join(tmp, p, "pom.xml"))
    return tmp


def run_check(root):
    rendered = []
    for overlay in sorted(os.listdir(os.path.join(root, "k8s", "overlays"))):
        out = os.path.join(root, overlay + ".rendered.yaml")
        with open(out, "w") as fh:
            subprocess.run([KUSTOMIZE, "build", os.path.join(root, "k8s", "overlays", overlay)], stdout=fh, check=True)
        rendered += ["--rendered", out]
    r = subprocess.run([sys.executable, os.path.join(root, "scripts", "check", "deploy_consistency.py"),
                        "--compose", os.path.join(root, "docker-compose.yml")] + rendered,
                       capture_output=True, text=True)
    return r.returncode, r.stderr + r.stdout


def edit(path, old, new, count=1):
    text = open(path).read()
    assert old in text, f"{old!r} not in {path}"
    open(path, "w").write(text.replace(old, new, count))


@pytest.fixture
def tree(tmp_path):
    if not os.access(KUSTOMIZE, os.X_OK):
        pytest.skip("kustomize not cached yet: run scripts/check/k8s.sh once")
    return copy_repo(str(tmp_path / "repo"))


def topics_java(root):
    for dirpath, _, files in os.walk(os.path.join(root, "shared-schema")):
        if "Topics.java" in files:
            return os.path.join(dirpath, "Topics.java")
    raise AssertionError("Topics.java not found")


def test_the_repository_as_it_is_passes(tree):
    code, out = run_check(tree)
    assert code == 0, out


def test_a_new_topic_in_topics_java_without_a_kafka_topic_fails(tree):
    path = topics_java(tree)
    text = open(path).read()
    text = text.replace("public static final String REPORTS", 'public static final String AUDIT = "shiftq.audit";\n    public static final String REPORTS', 1)
    text = re.sub(r"(List<String>\s+ALL\s*=\s*List\.of\()", r"\1AUDIT, ", text)
    open(path, "w").write(text)
    code, out = run_check(tree)
    assert code == 1
    assert "no KafkaTopic for shiftq.audit" in out and "topic-init does not create shiftq.audit" in out


def test_a_changed_http_port_fails_on_every_place_that_names_it(tree):
    edit(os.path.join(tree, "services", "qat", "src", "main", "resources", "application.properties"),
         "quarkus.http.port=8083", "quarkus.http.port=8093")
    code, out = run_check(tree)
    assert code == 1
    for where in ("compose qat: health check port", "EXPOSE", "qat: containerPort", "qat: livenessProbe"):
        assert where in out, out


def test_an_environment_variable_that_maps_to_no_config_key_fails(tree):
    edit(os.path.join(tree, "docker-compose.yml"), "      SHIFTQ_ARTIFACTS_ROOT: /var/lib/shiftq/artifacts\n",
         "      SHIFTQ_ARTIFACTS_ROOT: /var/lib/shiftq/artifacts\n      SHIFTQ_ARTIFACT_ROOT: /typo\n")
    code, out = run_check(tree)
    assert code == 1 and "SHIFTQ_ARTIFACT_ROOT maps to no config key of calibration" in out, out


def test_a_config_mapping_key_is_a_valid_environment_variable(tree):
    # shiftq.torch.intra-op-threads is declared only by the @ConfigMapping interface in services/common.
    edit(os.path.join(tree, "k8s", "base", "kustomization.yaml"),
         "      - SHIFTQ_ARTIFACTS_ROOT=/var/lib/shiftq/artifacts\n",
         "      - SHIFTQ_ARTIFACTS_ROOT=/var/lib/shiftq/artifacts\n      - SHIFTQ_TORCH_INTRA_OP_THREADS=2\n")
    code, out = run_check(tree)
    # reporting has no torch settings, so the shared ConfigMap is wrong for it; the stages accept the key.
    assert code == 1 and "SHIFTQ_TORCH_INTRA_OP_THREADS maps to no config key of reporting" in out, out
    assert "of qat" not in out, out


def test_a_renamed_consumer_group_breaks_the_keda_trigger(tree):
    path = os.path.join(tree, "services", "qat", "src", "main", "resources", "application.properties")
    # The group is either set on the channel or derived from quarkus.application.name (${...} in shared config).
    text = open(path).read()
    edit(path, "group.id=shiftq-qat" if "group.id=shiftq-qat" in text else "quarkus.application.name=shiftq-qat",
         "group.id=shiftq-qat-v2" if "group.id=shiftq-qat" in text else "quarkus.application.name=shiftq-qat-v2")
    code, out = run_check(tree)
    assert code == 1 and "ScaledObject qat: topic/group shiftq.ptq.done/shiftq-qat" in out, out


def test_shared_config_moved_to_an_application_properties_in_services_common_still_passes(tree):
    res = os.path.join(tree, "services", "common", "src", "main", "resources")
    mp = os.path.join(res, "META-INF", "microprofile-config.properties")
    if os.path.exists(mp):
        shutil.move(mp, os.path.join(res, "application.properties"))
    code, out = run_check(tree)
    assert code == 0, out


def test_an_image_name_that_differs_from_the_service_fails(tree):
    edit(os.path.join(tree, "k8s", "overlays", "prod", "kustomization.yaml"),
         "newName: registry.example.com/shiftq/qat", "newName: registry.example.com/shiftq/qat-trainer")
    code, out = run_check(tree)
    assert code == 1 and "prod.rendered.yaml qat: image registry.example.com/shiftq/qat-trainer:0.1.0 is not shiftq/qat" in out, out


def test_a_new_job_config_missing_from_the_config_map_fails(tree):
    with open(os.path.join(tree, "configs", "examples", "w2a8.yaml"), "w") as fh:
        fh.write("model:\n  name: LeNet5\n")
    code, out = run_check(tree)
    assert code == 1 and "configs/examples/w2a8.yaml is not in configs/kustomization.yaml" in out, out


def test_a_kafka_user_whose_acls_differ_from_the_local_brokers_fails(tree):
    # ptq may suddenly write requests on Kubernetes but not on the local broker: the two tables disagree.
    edit(os.path.join(tree, "scripts", "kafka", "acls.txt"),
         "shiftq.ptq.done,shiftq.progress,shiftq.failures,shiftq.dead-letters",
         "shiftq.ptq.done,shiftq.progress,shiftq.failures,shiftq.dead-letters,shiftq.requests")
    code, out = run_check(tree)
    assert code == 1 and "KafkaUser ptq: Write ACLs" in out, out


def test_a_deployment_mounting_another_principals_secret_fails(tree):
    edit(os.path.join(tree, "k8s", "base", "qat.yaml"), "                  name: qat\n                  items:",
         "                  name: ptq\n                  items:")
    code, out = run_check(tree)
    assert code == 1 and "Deployment qat: does not mount the Secret of its KafkaUser qat" in out, out
