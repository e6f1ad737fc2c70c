"""The installed ``sohoa`` command, beside the Python that runs the tests."""

from __future__ import annotations

import sys
from pathlib import Path

SOHOA = Path(sys.executable).with_name("sohoa")

REPO = Path(__file__).resolve().parents[1]
"""The checkout: where the compose file, the templates and the packages are."""
