"""The API's start-up objects are kept out of Python's full garbage collections.

A full collection walked every object alive (the app, its routes, the models, the
modules): about 90 ms with the app loaded, set off every dozen or so searches that
allocate thousands of rows. That was the API's p95 at 1,000,000 documents
(``bench/search_scale.py``). The app freezes what is alive once it has started.
"""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from pipeline.runtime import Runtime


def test_a_full_collection_does_not_walk_the_started_app(tmp_path: Path) -> None:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path))
    app = create_app(rt)
    gc.collect()
    before = len(gc.get_objects(generation=2))
    assert any(obj is app for obj in gc.get_objects(generation=2))
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        walked = gc.get_objects(generation=2)
        assert not any(obj is app for obj in walked)
        # What a full collection still walks is what came after start-up, not the app.
        assert gc.get_freeze_count() >= before
        assert len(walked) < before // 10
    # Shut down, the app's objects are collectable again (a process may start many).
    assert gc.get_freeze_count() == 0
    assert any(obj is app for obj in gc.get_objects(generation=2))
