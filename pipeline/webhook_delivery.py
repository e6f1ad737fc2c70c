"""Webhook events as tasks: queued when a document is done or failed, delivered signed
to the dossier's callback URL (judged again at send time), retried until accepted."""

from __future__ import annotations

import json
import logging

import httpx
from celery import Task

from pipeline import egress, webhooks
from pipeline.celery_app import app
from pipeline.messages import send
from pipeline.runtime import Runtime, runtime
from storage import repository as repo
from storage.models import Dossier

log = logging.getLogger(__name__)


class WebhookRejected(RuntimeError):
    """The receiver answered, but not with 2xx: try again later."""


@app.task(
    bind=True,
    name="sohoa.deliver_webhook",
    autoretry_for=(httpx.HTTPError, WebhookRejected, egress.HostUnresolvable),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=12,
)
def deliver_webhook(
    self: Task, url: str, event: str, event_id: str, body: str, dossier_id: int | None = None
) -> None:
    """POST one signed event; the same body on every retry, a fresh signature each time.

    The URL is judged again here, on the addresses its host has now, and the
    request goes to those very addresses (``pipeline.egress``): a name that
    passed when the dossier was saved may point inside the network today. A
    refused URL is not retried (it would be refused again); the refusal is
    logged and audited as ``webhook.refused``.

    Signed with the dossier's own secret (read now: a rotation applies to retries
    too), or the deployment's for a dossier without one; a message queued before
    dossiers had secrets carries no ``dossier_id`` and is signed the old way.
    """
    rt = runtime()
    data = body.encode("utf-8")
    document_id = event_id.split(":", 1)[0]
    if event_id.startswith("dossier:"):
        document_id = event_id.rsplit(":", 1)[0]  # a dossier's event names its dossier
    try:
        target = egress.check_url(url, egress.AllowList.parse(rt.settings.webhook_allow))
    except egress.EgressRefused as exc:
        log.warning("webhook for document %s not sent: %s", document_id, exc)
        _audit_webhook(rt, "webhook.refused", document_id, event, url, reason=exc.reason)
        return
    secret = webhooks.signing_secret(rt.settings, _dossier_secret(rt, dossier_id))
    response = egress.post(
        target,
        data,
        webhooks.headers(secret, event, event_id, data),
        timeout=rt.settings.webhook_timeout,
    )
    if not 200 <= response.status_code < 300:
        raise WebhookRejected(f"{url} answered {response.status_code}")
    _audit_webhook(rt, "webhook.delivered", document_id, event, url)


def _dossier_secret(rt: Runtime, dossier_id: int | None) -> str | None:
    if dossier_id is None:
        return None
    with rt.session() as s:
        dossier = s.get(Dossier, dossier_id)
        return dossier.webhook_secret if dossier is not None else None


def _audit_webhook(
    rt: Runtime, action: str, document_id: str, event: str, url: str, **detail: str
) -> None:
    with rt.session() as s:
        repo.record_audit(
            s,
            actor="worker",
            action=action,
            object_type="dossier" if document_id.startswith("dossier:") else "document",
            object_id=document_id,
            detail={"event": event, "url": url, **detail},
        )


def notify(rt: Runtime, document_id: str, event: str) -> None:
    """Queue the event for the dossier's callback URL, if it has one."""
    with rt.session() as s:
        document = repo.get_document(s, document_id)
        url = document.dossier.callback_url if document is not None else None
        if not url:
            return
        body = webhooks.event_body(event, document)
        dossier_id = document.dossier_id
    event_id = json.loads(body)["id"]
    if not send(
        document_id,
        lambda: deliver_webhook.delay(url, event, event_id, body.decode(), dossier_id=dossier_id),
    ):
        log.error("document %s: the %s webhook was not queued (broker down)", document_id, event)


def notify_dossier(rt: Runtime, dossier_id: int, event: str) -> None:
    """Queue a dossier's event (``dossier.complete``) for its callback URL, if it has one.

    Called once per dossier, after the transaction that claimed the event
    (``storage.repository.claim_completion``) committed.
    """
    with rt.session() as s:
        dossier = s.get(Dossier, dossier_id)
        if dossier is None or not dossier.callback_url:
            return
        url = dossier.callback_url
        body = webhooks.dossier_event_body(event, dossier, list(dossier.documents))
    event_id = json.loads(body)["id"]
    if not send(
        event_id,
        lambda: deliver_webhook.delay(url, event, event_id, body.decode(), dossier_id=dossier_id),
    ):
        log.error("%s: the %s webhook was not queued (broker down)", event_id, event)
