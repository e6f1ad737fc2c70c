"""Unit tests run no program: a test here that starts one (Tesseract, poppler, the
CLI, a server) fails, and belongs in ``tests/integration``."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_programs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a unit test started a program: {args[:1]!r}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    yield
