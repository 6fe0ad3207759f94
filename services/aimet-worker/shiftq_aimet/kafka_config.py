"""The Kafka client properties file the Java services and the CLI read (SHIFTQ_KAFKA_CONFIG, Kafka's Java names),
turned into librdkafka settings, so that one file per principal serves every client of shiftq."""

from __future__ import annotations

import os
import re

#: Java client names this worker understands; anything else is an error rather than a setting silently dropped.
KNOWN = ("security.protocol", "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.type",
         "ssl.truststore.location", "ssl.endpoint.identification.algorithm")
_JAAS = re.compile(r'(username|password)="((?:[^"\\]|\\.)*)"')


def read_properties(path: str) -> dict[str, str]:
    """key=value lines of a Java properties file (comments and blank lines skipped; no line continuations), or a
    directory with one file per key, as Kubernetes mounts a Secret or ConfigMap (dot-files and folders skipped)."""
    props: dict[str, str] = {}
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if not name.startswith(".") and os.path.isfile(full):
                with open(full, encoding="utf-8") as f:
                    props[name] = f.read().strip()
        return props
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#!":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"{path}: not a key=value line: {line!r}")
            props[key.strip()] = value.strip()
    return props


def librdkafka_settings(props: dict[str, str], origin: str = "SHIFTQ_KAFKA_CONFIG") -> dict[str, str]:
    """The librdkafka equivalents of Java client properties; a clear error naming the key for what has none."""
    unknown = sorted(set(props) - set(KNOWN))
    if unknown:
        raise ValueError(f"{origin}: unsupported Kafka client properties {unknown}; allowed: {list(KNOWN)}")
    out: dict[str, str] = {}
    if "security.protocol" in props:
        out["security.protocol"] = props["security.protocol"]
    if "sasl.mechanism" in props:
        out["sasl.mechanisms"] = props["sasl.mechanism"]
    if "sasl.jaas.config" in props:
        found = dict(_JAAS.findall(props["sasl.jaas.config"]))
        if set(found) != {"username", "password"}:
            raise ValueError(f"{origin}: sasl.jaas.config needs username=\"...\" and password=\"...\"")
        out["sasl.username"], out["sasl.password"] = found["username"], found["password"]
    if "ssl.truststore.location" in props:
        if props.get("ssl.truststore.type", "JKS").upper() != "PEM":
            raise ValueError(f"{origin}: ssl.truststore.type must be PEM for the AIMET worker (librdkafka reads PEM "
                             f"CA files only), not {props.get('ssl.truststore.type', 'JKS (the default)')}")
        out["ssl.ca.location"] = props["ssl.truststore.location"]
    if "ssl.endpoint.identification.algorithm" in props:
        # Java turns host name checks off with an empty value, librdkafka with "none".
        out["ssl.endpoint.identification.algorithm"] = props["ssl.endpoint.identification.algorithm"] or "none"
    return out


def from_file(path: str | None) -> dict[str, str]:
    """The librdkafka settings of the file at ``path``; none (PLAINTEXT) without a path."""
    return librdkafka_settings(read_properties(path)) if path else {}
