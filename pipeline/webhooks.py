"""Tell other systems when a document is done or failed: signed JSON events.

A dossier may carry a callback URL (the one-stop software's). When one of its
documents ends, the service POSTs an event there, signed with HMAC-SHA256 so the
receiver can trust it came from us, and retries with backoff until the receiver
answers 2xx. Each event has a stable id, so a receiver can drop repeats: a
retried or redelivered delivery sends the same id and the same body.

Headers: ``X-Sohoa-Event`` (the event type), ``X-Sohoa-Event-Id``,
``X-Sohoa-Timestamp`` (Unix seconds) and ``X-Sohoa-Signature:
sha256=<hex HMAC of "<timestamp>.<body>">``, as with most webhook senders, so
a captured request cannot be replayed later with a new timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any

from core.settings import Settings

SIGNATURE_HEADER = "X-Sohoa-Signature"
TIMESTAMP_HEADER = "X-Sohoa-Timestamp"


def webhook_secret(settings: Settings) -> bytes:
    """The configured secret, or one generated once and kept in the data dir."""
    if settings.webhook_secret:
        return settings.webhook_secret.encode("utf-8")
    path = settings.data_dir.absolute() / "webhook.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(secrets.token_urlsafe(32), encoding="ascii")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # refuses to replace: the first process to get here wins
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip().encode("utf-8")


def event_body(event: str, document: Any) -> bytes:
    """The event as sent: stable for one document state, so retries repeat it exactly."""
    dossier = document.dossier
    payload = {
        "id": f"{document.id}:{event}:{document.updated_at.isoformat()}",
        "type": event,
        "document": {
            "id": document.id,
            "status": document.status,
            "filename": document.filename,
            "page_count": document.page_count,
            "pages_done": document.pages_done,
            "document_type": document.document_type,
            "failure_reason": document.failure_reason,
            "sha256": document.sha256,
            "pdf_sha256": document.pdf_sha256,
        },
        "dossier": {"code": dossier.code, "unit": dossier.unit_code},
        "links": {
            "document": f"/api/v1/documents/{document.id}",
            "pdf": f"/api/v1/documents/{document.id}/pdf",
        },
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def dossier_event_body(event: str, dossier: Any, documents: list[Any]) -> bytes:
    """A dossier's event (``dossier.complete``): sent once, so its id names only the dossier."""
    payload = {
        "id": f"dossier:{dossier.unit_code}:{dossier.code}:{event}",
        "type": event,
        "dossier": {
            "code": dossier.code,
            "unit": dossier.unit_code,
            "procedure_code": dossier.procedure_code,
        },
        "documents": [
            {"id": d.id, "status": d.status, "document_type": d.document_type}
            for d in sorted(documents, key=lambda d: (d.created_at, d.id))
        ],
        "links": {"dossier": f"/api/v1/dossiers/{dossier.code}?unit={dossier.unit_code}"},
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def signing_secret(settings: Settings, dossier_secret: str | None) -> bytes:
    """The dossier's own secret when it has one, else the deployment's (older dossiers)."""
    if dossier_secret:
        return dossier_secret.encode("utf-8")
    return webhook_secret(settings)


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: bytes, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300
) -> bool:
    """What a receiver does; also used by our tests."""
    try:
        when = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - when) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, when, body), signature)


def headers(secret: bytes, event: str, event_id: str, body: bytes) -> dict[str, str]:
    now = int(time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "sohoa-webhook/1",
        "X-Sohoa-Event": event,
        "X-Sohoa-Event-Id": event_id,
        TIMESTAMP_HEADER: str(now),
        SIGNATURE_HEADER: sign(secret, now, body),
    }
