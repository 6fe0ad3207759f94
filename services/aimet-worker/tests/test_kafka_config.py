"""The worker reads the same client properties file as the Java services (scripts/kafka.sh writes one per principal)."""

import pytest

from shiftq_aimet import kafka_config


def test_a_scram_client_file_becomes_librdkafka_settings(tmp_path):
    path = tmp_path / "aimet-worker.properties"
    path.write_text("# written by scripts/kafka.sh\n"
                    "security.protocol=SASL_SSL\n"
                    "sasl.mechanism=SCRAM-SHA-512\n"
                    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required '
                    'username="aimet-worker" password="s3cret";\n'
                    "ssl.truststore.type=PEM\n"
                    "ssl.truststore.location=/tls/ca.pem\n")
    assert kafka_config.from_file(str(path)) == {
        "security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "aimet-worker",
        "sasl.password": "s3cret", "ssl.ca.location": "/tls/ca.pem"}


def test_no_file_is_plaintext():
    assert kafka_config.from_file(None) == {}


def test_a_jks_truststore_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="ssl.truststore.type must be PEM"):
        kafka_config.librdkafka_settings({"ssl.truststore.location": "/tls/ca.jks"})


def test_an_unknown_property_is_named():
    with pytest.raises(ValueError, match=r"\['sasl.kerberos.service.name'\]"):
        kafka_config.librdkafka_settings({"sasl.kerberos.service.name": "kafka"})


def test_a_kubernetes_mount_has_a_file_per_key(tmp_path):
    (tmp_path / "security.protocol").write_text("SASL_SSL\n")
    (tmp_path / "sasl.mechanism").write_text("SCRAM-SHA-512")
    (tmp_path / "sasl.jaas.config").write_text(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="aimet-worker" password="p";')
    (tmp_path / "..data").mkdir()
    settings = kafka_config.from_file(str(tmp_path))
    assert settings["sasl.username"] == "aimet-worker" and settings["security.protocol"] == "SASL_SSL"
