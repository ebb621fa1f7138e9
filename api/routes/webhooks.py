"""/v1/webhooks: outgoing notifications (call.done, call.failed, flag.raised, driver.rising) and their delivery log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AnyHttpUrl, BaseModel, Field

from storage import audit, webhooks
from storage.api_keys import ApiKey

from ..auth import actor, admin_only, origin
from ..schemas import ErrorOut, RowId, model_of
from ..webhook_targets import resolve

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422)}
Event = Literal["call.done", "call.failed", "flag.raised", "driver.rising"]


class WebhookIn(BaseModel):
    url: AnyHttpUrl
    events: list[Event] = Field(min_length=1, description="Which events to send")
    secret: str | None = Field(
        None, min_length=16, max_length=128, description="Signing secret; generated when left out"
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_by: str
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: receivers verify X-Callrec-Signature with it")


_STATE = (str, Field(description="pending, delivered or failed"))


class DeliveryOut(model_of(webhooks.Delivery, "DeliveryFields", state=_STATE)):  # type: ignore[misc]
    """One webhook delivery: its event, state and the last answer, as stored."""


def _out(hook: webhooks.Webhook) -> dict[str, Any]:
    return {**asdict(hook), "events": list(hook.events)}


@router.post("", status_code=201, response_model=WebhookCreated, responses=ERRORS)
def create_webhook(body: WebhookIn, request: Request, key: ApiKey = Depends(admin_only)) -> WebhookCreated:
    """Subscribe a URL to events. Its host must resolve to public addresses, or to a network allowed
    in CALLREC_RECORDER_WEBHOOK_ALLOWED_NETWORKS (422 otherwise); it is checked again at each send."""
    settings = request.app.state.services.settings.recorder
    resolve(str(body.url), settings.webhook_allowed_networks)
    with request.app.state.services.db.session() as session:
        hook, secret = webhooks.create_webhook(
            session, str(body.url), list(body.events), actor(key), body.secret
        )
        details = {"url": hook.url, "events": list(hook.events)}  # credentials in the URL never
        audit.record(session, actor(key), "webhook.create", str(hook.id), details, origin(request))
    return WebhookCreated(**_out(hook), secret=secret)


@router.get("", response_model=list[WebhookOut], responses=ERRORS)
def list_webhooks(request: Request, key: ApiKey = Depends(admin_only)) -> list[WebhookOut]:
    with request.app.state.services.db.session() as session:
        return [WebhookOut(**_out(hook)) for hook in webhooks.list_webhooks(session)]


@router.delete("/{webhook_id}", response_model=WebhookOut, responses=ERRORS)
def deactivate_webhook(webhook_id: RowId, request: Request, key: ApiKey = Depends(admin_only)) -> WebhookOut:
    """Stop sending (pending deliveries are dropped); the delivery log stays readable."""
    with request.app.state.services.db.session() as session:
        hook = webhooks.deactivate_webhook(session, webhook_id)
        audit.record(
            session, actor(key), "webhook.delete", str(webhook_id), {"url": hook.url}, origin(request)
        )
        return WebhookOut(**_out(hook))


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut], responses=ERRORS)
def list_deliveries(
    webhook_id: RowId,
    request: Request,
    state: Literal["pending", "delivered", "failed"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    key: ApiKey = Depends(admin_only),
) -> list[DeliveryOut]:
    """The delivery log, newest first: every event, its attempts, the last answer or error."""
    with request.app.state.services.db.session() as session:
        return [DeliveryOut(**asdict(d)) for d in webhooks.list_deliveries(session, webhook_id, state, limit)]


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut, responses=ERRORS)
def retry_delivery(delivery_id: RowId, request: Request, key: ApiKey = Depends(admin_only)) -> DeliveryOut:
    """Send a failed delivery again now."""
    with request.app.state.services.db.session() as session:
        delivery = webhooks.redeliver(session, delivery_id)
        audit.record(
            session,
            actor(key),
            "webhook.retry",
            str(delivery.webhook_id),
            {"delivery": delivery_id},
            origin(request),
        )
        return DeliveryOut(**asdict(delivery))
