"""Shared fixtures: rendered Vietnamese pages and a way to run the real CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from testkit import pagegen
from testkit.programs import SOHOA


@pytest.fixture(scope="session")
def short_page() -> pagegen.RenderedPage:
    """A quick page: header, title and a few body lines."""
    return pagegen.render_page(11, n_lines=12)


@pytest.fixture(scope="session")
def full_page() -> pagegen.RenderedPage:
    return pagegen.render_page(23)


@pytest.fixture
def run_sohoa() -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: object, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SOHOA), *map(str, args)],
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    return run


# The real S3 server (SeaweedFS) for the storage and pipeline tests.
from testkit.s3server import s3_server, s3_store  # noqa: E402, F401
