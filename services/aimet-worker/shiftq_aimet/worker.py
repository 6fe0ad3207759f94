"""The Kafka side: consumer group ``shiftq-aimet-worker`` on shiftq.requests, one job at a time, the offset
committed after the job (at-least-once; a job cut off by a restart runs again and overwrites its artifacts).

While a job runs in a worker thread, the main thread keeps polling with the partitions paused, so the consumer
stays in its group however long the job takes (the Java services' "long jobs on a Kafka channel" pitfall).
"""
from __future__ import annotations

import functools
import json
import logging
import os
import re
import signal
import threading
import traceback

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from . import events, kafka_config, schemas
from .artifacts import ArtifactStore
from .cancels import CATCH_UP_S, CONTROL, Cancels
from .pipeline import Cancelled, Job, StageError

LOG = logging.getLogger("shiftq_aimet.worker")
GROUP_ID = "shiftq-aimet-worker"
SEND_TIMEOUT_S = 60.0
_JOB_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class Publisher:
    """Sends events keyed by job id with CloudEvents headers; completions and failures wait for the broker."""

    def __init__(self, bootstrap: str, security: dict[str, str] | None = None):
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                  "client.id": "shiftq-aimet-worker", **(security or {})})

    def __call__(self, event: dict) -> None:
        topic, _ = events.topic_and_type(event)
        errors = []
        self.producer.produce(topic, key=event["job_id"].encode(), value=events.encode(event),
                              headers=events.headers(event),
                              on_delivery=lambda err, msg: errors.append(err) if err else None)
        if topic == schemas.PROGRESS:
            self.producer.poll(0)  # progress is advisory: do not wait
            return
        remaining = self.producer.flush(SEND_TIMEOUT_S)
        if remaining or errors:
            raise KafkaException(errors[0] if errors else f"{event['stage']} event to {topic} not acknowledged "
                                 f"within {SEND_TIMEOUT_S:.0f} s")


def handle(payload: bytes | None, key: bytes | None, store: ArtifactStore, publish, progress_interval=2.0,
           cancels: Cancels | None = None) -> str:
    """Acts on one shiftq.requests record; returns what it did: ``ignored``, ``done``, ``cancelled`` or ``failed``.
    Only failures to publish raise (the record is then not committed and comes again)."""
    text = (payload or b"").decode("utf-8", errors="replace")
    try:
        request = json.loads(text)
    except ValueError:
        return "ignored"  # not JSON: the Java calibration stage reports unreadable requests
    if not isinstance(request, dict) or request.get("variant") != schemas.VARIANT:
        return "ignored"
    key_id = (key or b"").decode("utf-8", errors="replace")
    job_id = request.get("job_id")
    problems = []
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id) or job_id in (".", ".."):
        problems.append(f"job_id '{job_id}' must match {_JOB_ID.pattern}")
        job_id = key_id if _JOB_ID.fullmatch(key_id) else "unknown"
    if request.get("schema_version") != schemas.SCHEMA_VERSION:
        problems.append(f"unsupported schema_version '{request.get('schema_version')}'; this reader knows "
                        f"'{schemas.SCHEMA_VERSION}'")
    if not isinstance(request.get("config"), dict):
        problems.append("missing config")
    if problems:
        publish(events.failed(job_id, "calibration", f"unreadable input on {schemas.REQUESTS}: {'; '.join(problems)}",
                              problems, schemas.REQUESTS, text))
        return "failed"
    def check() -> None:
        if cancels is not None and cancels.is_cancelled(job_id):
            raise Cancelled(stage)

    job = Job(request, store, publish, progress_interval, check=check)
    stage = "calibration"
    try:
        if cancels is not None and not cancels.await_caught_up():
            LOG.warning("the cancels on %s were not all read within %.0f s; starting job %s anyway", CONTROL,
                        CATCH_UP_S, job_id)
        for stage in STAGES:
            check()
            getattr(job, stage)()
    except Cancelled:
        _publish_cancelled(job, request, stage, publish)
        return "cancelled"
    except StageError as e:
        publish(events.failed(job_id, e.stage, e.reason, e.problems, schemas.REQUESTS, text))
        return "failed"
    except KafkaException:
        raise
    except Exception as e:  # any other error fails the job with the chain of causes, as StageFailures.java
        LOG.error("job %s: %s failed\n%s", job_id, stage, traceback.format_exc())
        causes: list[str] = []
        t: BaseException | None = e
        while t is not None and len(causes) < 5:
            causes.append(f"{type(t).__name__}: {t}")
            t = t.__cause__ or t.__context__
        publish(events.failed(job_id, stage, f"{stage} failed: {causes[0]}", causes, schemas.REQUESTS, text))
        return "failed"
    finally:
        job.close()
    return "done"


STAGES = ("calibration", "ptq", "qat", "final_ptq")


def _publish_cancelled(job: Job, request: dict, stage: str, publish) -> None:
    """As the Java stages: the stage that was running (or about to) and every later one complete as cancelled."""
    cfg = getattr(job, "cfg", None)
    config = cfg.as_dict() if cfg is not None else request.get("config", {})
    for later in STAGES[STAGES.index(stage):]:
        publish(events.completed(job.job_id, later, config, events.now(), status="cancelled"))
    LOG.info("job %s: cancelled during %s", job.job_id, stage)


class Worker:
    """Consumes shiftq.requests until stopped."""

    def __init__(self, bootstrap: str, store: ArtifactStore, group_id: str = GROUP_ID, progress_interval=2.0,
                 offset_reset: str = "earliest", security: dict[str, str] | None = None):
        """``security``: librdkafka settings for a secured broker (:func:`kafka_config.from_file`)."""
        self.store, self.progress_interval = store, progress_interval
        self.publish = Publisher(bootstrap, security)
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group_id,
                                  "enable.auto.commit": False, "auto.offset.reset": offset_reset,
                                  "client.id": "shiftq-aimet-worker", **(security or {})})
        self.cancels = Cancels(bootstrap, security).start()
        self.stopping = threading.Event()
        #: set once the group has given this consumer its partitions (tests wait for it before producing)
        self.assigned = threading.Event()
        self.jobs = 0

    def stop(self, *_):
        self.stopping.set()
        self.cancels.stop()

    def run(self, max_records: int | None = None) -> None:
        self.consumer.subscribe([schemas.REQUESTS], on_assign=lambda c, parts: self.assigned.set())
        LOG.info("consuming %s as group %s", schemas.REQUESTS, self.consumer)
        seen = 0
        try:
            while not self.stopping.is_set() and (max_records is None or seen < max_records):
                msg = self.consumer.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    LOG.warning("consumer: %s", msg.error())
                    continue
                seen += 1
                outcome = self._busy(functools.partial(handle, msg.value(), msg.key(), self.store, self.publish,
                                                       self.progress_interval, self.cancels))
                if outcome != "ignored":
                    self.jobs += 1
                    LOG.info("record %s[%d]@%d: %s", msg.topic(), msg.partition(), msg.offset(), outcome)
                try:
                    self.consumer.commit(message=msg, asynchronous=False)
                except KafkaException as e:
                    LOG.warning("commit of %s[%d]@%d failed (%s); the record will be delivered again",
                                msg.topic(), msg.partition(), msg.offset(), e)
        finally:
            self.consumer.close()

    def _busy(self, work):
        """Runs work in a thread while polling paused partitions; a record that slips through a rebalance
        is put back with seek, so nothing is skipped."""
        result = {}

        def target():
            try:
                result["value"] = work()
            except BaseException as e:  # re-raised in this thread
                result["error"] = e

        self.consumer.pause(self.consumer.assignment())
        t = threading.Thread(target=target, name="shiftq-aimet-job", daemon=True)
        t.start()
        while t.is_alive():
            msg = self.consumer.poll(0.5)
            if msg is not None and not msg.error():
                self.consumer.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
                self.consumer.pause(self.consumer.assignment())
        self.consumer.resume(self.consumer.assignment())
        if "error" in result:
            raise result["error"]
        return result["value"]


def main() -> None:
    # force: importing aimet-torch has already given the root logger a WARNING handler, which would otherwise keep
    # basicConfig from doing anything and drop every INFO line of the worker.
    logging.basicConfig(level=os.environ.get("SHIFTQ_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    import torch
    torch.set_num_threads(int(os.environ.get("SHIFTQ_TORCH_THREADS", "2")))
    torch.set_num_interop_threads(1)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    store = ArtifactStore(os.environ.get("SHIFTQ_ARTIFACTS_ROOT", ".shiftq/artifacts"))
    worker = Worker(bootstrap, store, os.environ.get("SHIFTQ_AIMET_GROUP_ID", GROUP_ID),
                    float(os.environ.get("SHIFTQ_PROGRESS_INTERVAL", "2.0")),
                    security=kafka_config.from_file(os.environ.get("SHIFTQ_KAFKA_CONFIG")))
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    LOG.info("shiftq aimet worker: broker %s, artifacts %s", bootstrap, store.root)
    worker.run()
