"""A message the broker cannot take does not fail the document: the sweeper resumes it.

Found by the chaos benchmark: ``assemble`` had recorded its outputs and moved
the document to ``classify``, then sending ``classify`` met a restarting Redis,
kombu raised its ``OperationalError`` and the document was failed for good.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import redis

from core.settings import Settings
from pipeline import messages
from pipeline.celery_app import QUEUE, make_celery
from testkit.api_harness import free_port
from testkit.pipeline_harness import PrivateRedis


def test_a_message_the_broker_cannot_take_is_left_to_the_sweeper(tmp_path, caplog):
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = make_celery(Settings(_env_file=None, data_dir=tmp_path, broker_url=down))
    with caplog.at_level(logging.WARNING, logger="pipeline.messages"):
        sent = messages.send("doc-1", lambda: app.send_task("sohoa.classify", ("doc-1",)))
    assert sent is False
    assert "document doc-1: broker down" in caplog.text and "sweeper resumes it" in caplog.text
    assert messages.send("doc-1", lambda: None) is True


def test_a_message_sent_while_the_broker_restarts_gets_through(tmp_path):
    """A Redis restart (a second or two) is waited out by the publish retries: the
    message arrives, and the document does not wait for the sweeper's stall period."""
    broker = PrivateRedis(tmp_path / "redis").start()
    try:
        app = make_celery(Settings(_env_file=None, data_dir=tmp_path, broker_url=broker.url))
        app.send_task("sohoa.classify", ("warm-up",))  # the connection exists before the outage
        broker.stop()
        restart = threading.Timer(1.5, broker.start)
        restart.start()
        started = time.monotonic()
        sent = messages.send("doc-2", lambda: app.send_task("sohoa.classify", ("doc-2",)))
        waited = time.monotonic() - started
        restart.join()
        assert sent is True, "given up during a restart the retries should outlast"
        assert waited >= 1.0, "sent before the broker was back: the outage was not exercised"
        queued = redis.Redis.from_url(broker.url).lrange(QUEUE, 0, -1)
        assert sorted(json.loads(m)["headers"]["argsrepr"] for m in queued) == [
            "('doc-2',)",
            "('warm-up',)",
        ]
    finally:
        broker.stop()


def test_a_send_failing_oddly_mid_reconnect_is_left_to_the_sweeper(monkeypatch, caplog):
    """kombu has raised AttributeError while reconnecting (the chaos benchmark saw it
    fail a good document at ``classify``): it is the broker's trouble, not the document's."""
    monkeypatch.setattr(messages, "SEND_PATIENCE_S", 0.5)
    calls: list[int] = []

    def reconnecting() -> None:
        calls.append(1)
        raise AttributeError("'NoneType' object has no attribute 'client'")

    with caplog.at_level(logging.WARNING, logger="pipeline.messages"):
        assert messages.send("doc-3", reconnecting) is False
    assert len(calls) >= 2, "tried again before giving up"
    assert "document doc-3: broker down" in caplog.text and "sweeper resumes it" in caplog.text
