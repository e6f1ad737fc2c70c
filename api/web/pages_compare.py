"""The certification officer's page: is the copy presented the same as the original?

The officer picks the original scan and the copy (from a dossier's documents,
or by pasting their ids) and a page of each; ``static/compare.js`` posts them
to ``POST /api/v1/compare`` and shows the answer: both pages side by side,
the overlay of what differs, the word-level changes with changed digits
(ID numbers, dates) marked loudly, the verdict line and the PDF report. The
officer's recent comparisons come from ``GET /api/v1/comparisons``.

A saved comparison is opened as ``/doi-chieu?id=…`` (the recent list links
there): the page loads it with the API's rule (a key that sees both
documents' units, else the 404 page and an ``access.denied`` row), records
the read once (``comparison.read``, ``via=web``) and hands the comparison to
the script in a JSON data block, so showing it is not a second, separate read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.routes_compare import comparison_out
from api.runtime_dependency import RuntimeDep
from api.services import comparison_service, dossier_service
from api.services.views import documents_to_pick
from api.web.auth import PageRoute, Verifier
from api.web.render import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/doi-chieu")
def compare_page(
    rt: RuntimeDep,
    request: Request,
    auth: Verifier,
    ho_so: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    goc: Annotated[str | None, Query(max_length=36)] = None,
    ban_sao: Annotated[str | None, Query(max_length=36)] = None,
    comparison_id: Annotated[str | None, Query(alias="id", max_length=36)] = None,
) -> HTMLResponse:
    """The comparison form; with ``ho_so`` its documents are offered to pick from.

    With ``id``, a saved comparison is shown below the form (see module doc).
    """
    principal = auth.principal
    shown = None
    if comparison_id:
        shown = comparison_service.read_comparison(
            rt,
            principal,
            comparison_id,
            lambda c: comparison_out(c).model_dump(mode="json", by_alias=True),
            via="web",
        )
    dossier_info = None
    documents: list[dict[str, object]] = []
    code = (ho_so or "").strip()
    if code:
        dossier_info, documents = dossier_service.read_dossier(
            rt, principal, code, unit or None, documents_to_pick, via="web"
        )
    done = [d for d in documents if d["status"] == "done"]
    original = goc or (str(done[0]["id"]) if done else "")
    copy = ban_sao or (str(done[1]["id"]) if len(done) > 1 else "")
    return render(
        request,
        "compare.html",
        {
            "title": "Đối chiếu bản sao với bản chính",
            "nav": "doi-chieu",
            "dossier": dossier_info,
            "documents": documents,
            "ho_so": code,
            "original": original,
            "copy": copy,
            "shown": shown,
        },
        auth=auth,
    )
