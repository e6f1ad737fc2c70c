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

from api.routes_compare import audit_comparison, comparison_out, load_comparison
from api.runtime_dependency import RuntimeDep
from api.scope import audit, resolve_dossier, scoped
from api.web.auth import PageRoute, Verifier
from api.web.render import render
from storage import repository as repo

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
        comparison = load_comparison(rt, principal, comparison_id)
        shown = comparison_out(comparison).model_dump(mode="json", by_alias=True)
        audit_comparison(rt, principal, "comparison.read", comparison, via="web")
    dossier_info = None
    documents: list[dict[str, object]] = []
    code = (ho_so or "").strip()
    if code:
        with scoped(rt, principal, "dossier", code), rt.session() as s:
            dossier = resolve_dossier(s, principal, code, unit or None)
            rows = repo.dossier_documents(s, dossier.id)
            documents = [
                {
                    "id": d.id,
                    "filename": d.filename,
                    "status": d.status,
                    "document_type": d.document_type,
                    "page_count": d.page_count,
                }
                for d in rows
            ]
            dossier_info = {"code": dossier.code, "unit": dossier.unit_code}
        audit(rt, principal, "dossier.read", dossier, via="web")
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
