"""The worker's Kafka clients against the secured mode of scripts/kafka.sh (SASL_SSL, SCRAM, ACLs): with the
aimet-worker principal's file it publishes a StageFailed, and the broker refuses it a topic it may not write."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer

from shiftq_aimet import events, kafka_config
from shiftq_aimet.worker import Publisher

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """A secured broker of this test's own (its jars shared with the others); stopped after the module."""
    port = _free_port()
    env = dict(os.environ, KAFKA_SECURITY="sasl_ssl", KAFKA_PORT=str(port), KAFKA_CONTROLLER_PORT=str(_free_port()),
               KAFKA_HOME_DIR=str(tmp_path_factory.mktemp("kafka-secured")), KAFKA_OWNER_PID=str(os.getpid()),
               KAFKA_START_TIMEOUT="240")
    script = os.path.join(REPO, "scripts", "kafka.sh")
    start = subprocess.run(["bash", script, "start"], env=env, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
    assert start.returncode == 0, f"scripts/kafka.sh start (KAFKA_SECURITY=sasl_ssl) failed:\n{start.stderr}"
    try:
        yield f"127.0.0.1:{port}", os.path.join(env["KAFKA_HOME_DIR"], "clients")
    finally:
        subprocess.run(["bash", script, "stop"], env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def test_the_worker_publishes_as_its_principal(secured):
    bootstrap, clients = secured
    publish = Publisher(bootstrap, kafka_config.from_file(os.path.join(clients, "aimet-worker.properties")))
    publish(events.failed("secured-1", "calibration", "test", ["a StageFailed over SASL_SSL"]))


def test_the_broker_refuses_the_worker_a_topic_it_may_not_write(secured):
    bootstrap, clients = secured
    producer = Producer({"bootstrap.servers": bootstrap,
                         **kafka_config.from_file(os.path.join(clients, "aimet-worker.properties"))})
    errors: list[KafkaError] = []
    producer.produce("shiftq.control", key=b"secured-1", value=b"{}", on_delivery=lambda err, _: errors.append(err))
    producer.flush(60)
    assert errors and errors[0] is not None and errors[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, errors


def test_a_wrong_password_is_refused_at_sign_in(secured):
    bootstrap, clients = secured
    settings = kafka_config.from_file(os.path.join(clients, "aimet-worker.properties"))
    with pytest.raises(KafkaException):
        Publisher(bootstrap, {**settings, "sasl.password": "guessed", "message.timeout.ms": "10000"})(
            events.failed("secured-2", "calibration", "test", ["must not arrive"]))
