"""Helpers for tests against the real broker: topics, a fresh consumer group that starts at the end, and
reading events of one job back."""
from __future__ import annotations

import json
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TOPICS = ["shiftq.requests", "shiftq.calibration.done", "shiftq.ptq.done", "shiftq.qat.done", "shiftq.final-ptq.done",
          "shiftq.progress", "shiftq.failures", "shiftq.reports", "shiftq.dead-letters", "shiftq.control"]


def ensure_topics(bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = set(admin.list_topics(timeout=30).topics)
    missing = [NewTopic(t, num_partitions=2, replication_factor=1) for t in TOPICS if t not in existing]
    for _topic, fut in (admin.create_topics(missing).items() if missing else []):
        try:
            fut.result(30)
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise
    # A new topic has no leader for a moment; offsets cannot be read until it has one.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        md = admin.list_topics(timeout=30).topics
        if all(t in md and md[t].partitions and all(p.leader >= 0 for p in md[t].partitions.values()) for t in TOPICS):
            return
        time.sleep(0.5)
    raise AssertionError(f"topics {TOPICS} have no leader after 60 s")


_NOT_YET_LED = (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART)


def _end_offset(c: Consumer, tp: TopicPartition) -> int:
    # Right after a topic is made, the metadata already names a leader that may not yet serve its partition
    # (NOT_LEADER_FOR_PARTITION for a moment on a fresh broker): that error is retriable, so retry it.
    deadline = time.monotonic() + 30
    while True:
        try:
            return c.get_watermark_offsets(tp, timeout=30)[1]
        except KafkaException as e:
            err = e.args[0]
            if not (err.retriable() or err.code() in _NOT_YET_LED) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def group_at_end(bootstrap: str, topic: str = "shiftq.requests") -> str:
    """A new consumer group whose committed offsets are the current ends of the topic, so a worker in it
    reads only what the test publishes from now on."""
    group = "shiftq-aimet-worker-test-" + uuid.uuid4().hex[:8]
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = c.list_topics(topic, timeout=30).topics[topic].partitions
        offsets = [TopicPartition(topic, p, _end_offset(c, TopicPartition(topic, p))) for p in parts]
        c.commit(offsets=offsets, asynchronous=False)
    finally:
        c.close()
    return group


def committed(bootstrap: str, group: str, topic: str = "shiftq.requests") -> dict[int, int]:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = c.list_topics(topic, timeout=30).topics[topic].partitions
        return {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in parts], timeout=30)}
    finally:
        c.close()


def publish(bootstrap: str, event: dict, topic: str = "shiftq.requests") -> tuple[int, int]:
    """Publishes a request (or a cancel) as the CLI does (key = job id); returns (partition, offset)."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    where = {}
    p.produce(topic, key=event["job_id"].encode(), value=json.dumps(event).encode(),
              on_delivery=lambda err, msg: where.update(err=err, at=(msg.partition(), msg.offset())))
    p.flush(30)
    assert where.get("err") is None and "at" in where, where
    return where["at"]


class Reader:
    """Reads the given topics from the beginning, keeping the events of the given job ids."""

    def __init__(self, bootstrap: str, topics: list[str]):
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": "shiftq-test-reader-" + uuid.uuid4().hex[:8],
                           "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self.c.subscribe(topics)
        self.events: list[tuple[str, dict, dict]] = []
        #: (job id, topic) -> time.monotonic() when its first event there was read
        self.at: dict[tuple[str, str], float] = {}

    def until(self, done, timeout: float, job_ids: set[str]):
        """Polls until done(events) is true; fails with what arrived when the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.c.poll(1.0)
            if msg is not None and not msg.error():
                e = json.loads(msg.value())
                if e.get("job_id") in job_ids:
                    self.events.append((msg.topic(), e, dict(msg.headers() or [])))
                    self.at.setdefault((e["job_id"], msg.topic()), time.monotonic())
            if done(self.events):
                return self.events
        raise AssertionError(f"timed out after {timeout:.0f} s; got {[(t, e.get('stage')) for t, e, _ in self.events]}")

    def close(self):
        self.c.close()
