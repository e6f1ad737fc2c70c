"""The runtime a request works with: handed to the app by ``create_app``, to routes as a dependency.

Routes take it as a parameter (``rt: RuntimeDep``) rather than fetching a
process-wide one, so an app built with another runtime (another database,
another store: a test, a second deployment in one process) uses it throughout.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pipeline.runtime import Runtime


def current_runtime(request: Request) -> Runtime:
    """The runtime of the app that serves ``request``."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]
