"""A message the broker cannot take does not fail the document: the sweeper resumes it.

Found by the chaos benchmark: ``assemble`` had recorded its outputs and moved
the document to ``classify``, then sending ``classify`` met a restarting Redis,
kombu raised its ``OperationalError`` and the document was failed for good.
"""

from __future__ import annotations

import logging

from core.settings import Settings
from pipeline import tasks
from pipeline.celery_app import make_celery
from testkit.api_harness import free_port


def test_a_message_the_broker_cannot_take_is_left_to_the_sweeper(tmp_path, caplog):
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = make_celery(Settings(_env_file=None, data_dir=tmp_path, broker_url=down))
    with caplog.at_level(logging.WARNING, logger="pipeline.tasks"):
        sent = tasks.send("doc-1", lambda: app.send_task("sohoa.classify", ("doc-1",)))
    assert sent is False
    assert "document doc-1: broker down" in caplog.text and "sweeper resumes it" in caplog.text
    assert tasks.send("doc-1", lambda: None) is True
