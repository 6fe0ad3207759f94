"""``shiftq cancel``: the cancelled job ids, read from ``shiftq.control`` as the Java stages' CancelListener reads it.

A plain consumer without committed offsets reads every partition from its first offset (the topic is compacted, so
every cancel is still there), on every worker instance; ``caught_up`` is set once the backlog that existed when it
started has been read, so a job queued behind its own cancel is not started.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

from . import schemas

LOG = logging.getLogger("shiftq_aimet.cancels")
CONTROL: str = schemas._TOPICS["control"]
#: Longest wait for the backlog of cancels before a job starts anyway (StageRunner's cancel catch-up).
CATCH_UP_S = 10.0


class Cancels:
    """The job ids cancelled so far; a daemon thread keeps reading."""

    def __init__(self, bootstrap: str, security: dict[str, str] | None = None):
        """``security``: librdkafka settings for a secured broker (:func:`kafka_config.from_file`)."""
        self.bootstrap, self.security = bootstrap, security or {}
        self.ids: set[str] = set()
        self.caught_up = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="shiftq-aimet-cancels", daemon=True)

    def start(self) -> Cancels:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()

    def is_cancelled(self, job_id: str) -> bool:
        """A set lookup: cheap enough for every batch."""
        return job_id in self.ids

    def await_caught_up(self) -> bool:
        return self.caught_up.wait(CATCH_UP_S)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._read()
            except KafkaException as e:  # the broker is away: say so, wait, start over from offset 0
                LOG.warning("cannot read %s (%s); retrying in 1 s", CONTROL, e)
                self.stopping.wait(1.0)

    def _read(self) -> None:
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "shiftq-aimet-cancels-" + uuid.uuid4().hex[:8],
                      "enable.auto.commit": False, "client.id": "shiftq-aimet-cancels", **self.security})
        try:
            topic = c.list_topics(CONTROL, timeout=10).topics.get(CONTROL)
            if topic is None or topic.error is not None or not topic.partitions:
                self.caught_up.set()  # no topic, no cancels yet; look again shortly
                self.stopping.wait(1.0)
                return
            ends = {p: c.get_watermark_offsets(TopicPartition(CONTROL, p), timeout=10)[1] for p in topic.partitions}
            at = dict.fromkeys(ends, 0)
            c.assign([TopicPartition(CONTROL, p, OFFSET_BEGINNING) for p in topic.partitions])
            while not self.stopping.is_set():
                msg = c.poll(0.2)
                if msg is not None and not msg.error():
                    self._note(msg.value())
                    at[msg.partition()] = msg.offset() + 1
                if not self.caught_up.is_set() and all(at[p] >= end for p, end in ends.items()):
                    self.caught_up.set()
        finally:
            c.close()

    def _note(self, value: bytes | None) -> None:
        try:
            event = json.loads(value or b"")
        except ValueError:
            return
        job_id = event.get("job_id") if isinstance(event, dict) else None
        if isinstance(job_id, str) and job_id not in self.ids:
            self.ids.add(job_id)
            LOG.info("job %s: cancel read", job_id)
