"""The browser the page tests share (one Chromium per module)."""

from testkit.browser import chromium  # noqa: F401  (a fixture)
