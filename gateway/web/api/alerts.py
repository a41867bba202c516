"""API operations on Account Alerts and Updates: send one to a user."""

from __future__ import annotations

from gateway.core.alerts import create_alert
from gateway.store.models import Alert
from gateway.web.api.operations import Call, operation
from gateway.web.api.schemas import AlertCreate, AlertOut


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.id,
        user_id=alert.user_id,
        account_id=alert.account_id,
        category=alert.category,
        title=alert.title,
        body=alert.body_source,
        body_html=alert.body_html,
        link=alert.link,
        financial=alert.financial,
        created_at=alert.created_at,
        expires_at=alert.expires_at,
    )


@operation(
    "POST",
    "/users/{user_id}/alerts",
    summary="Send a user an Account Alert or an Update (emailed as their preferences say; "
    "financial alerts always)",
    tag="Alerts",
    status=201,
    body=AlertCreate,
    response=AlertOut,
    errors=(403, 404, 422),
)
def send_alert(call: Call) -> AlertOut:
    new: AlertCreate = call.body
    alert = create_alert(
        call.db,
        call.params["user_id"],
        category=new.category,
        title=new.title,
        body=new.body,
        link=new.link,
        financial=new.financial,
        account_id=new.account_id,
        now=call.now,
        expires_at=new.expires_at,
    )
    return alert_out(alert)
