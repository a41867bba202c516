"""The settings page: notifications, muted rooms, out-of-office, status, Enter key, time zone.

Owns these routes only: GET /settings shows every section; each section posts to its own
handler, which saves through gateway.core.preferences / gateway.core.presence in one unit of
work and redirects back (post/redirect/get). Refused input answers 400 with the page again,
the message next to its field and nothing saved. Must not hold domain rules.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gateway.core.alerts import TAB_NAMES
from gateway.core.bounces import resume_email as resume_bounced_email
from gateway.core.errors import DomainError
from gateway.core.preferences import (
    RETENTION_CHOICES,
    WEEKDAYS,
    InvalidSetting,
    channel_choices,
    frequency_choices,
    get_preferences,
    set_alert_retention,
    set_digest_schedule,
    set_enter_sends,
    set_out_of_office,
    set_preference,
    set_time_zone,
    user_zone,
    utc_to_local,
)
from gateway.core.presence import set_presence
from gateway.core.room_mutes import MutedRoom, list_muted_rooms
from gateway.store.models import (
    AlertCategory,
    NotifyCategory,
    NotifyChannel,
    NotifyFrequency,
    User,
)
from gateway.web.request_db import reading, writing
from gateway.web.session_user import current_user, login_required, utc_now

preferences = Blueprint("preferences", __name__)

CATEGORY_LABELS = {
    NotifyCategory.ROOM: "Messages in rooms",
    NotifyCategory.ALERT: TAB_NAMES[AlertCategory.ALERT],
    NotifyCategory.UPDATE: TAB_NAMES[AlertCategory.UPDATE],
    NotifyCategory.TICKET: "Tickets",
}
CHANNEL_LABELS = {
    NotifyChannel.BOTH: "Email and inbox",
    NotifyChannel.EMAIL: "Email only",
    NotifyChannel.INBOX: "Inbox only",
    NotifyChannel.NONE: "Nothing",
}
FREQUENCY_LABELS = {
    NotifyFrequency.IMMEDIATE: "Immediately",
    NotifyFrequency.HOURLY: "Hourly digest",
    NotifyFrequency.DAILY: "Daily digest",
    NotifyFrequency.WEEKLY: "Weekly digest",
    NotifyFrequency.NEVER: "Never",
}
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class _Refused(Exception):
    """Raised inside a unit of work so it rolls back; carries the errors per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@functools.cache
def time_zone_names() -> list[str]:
    return sorted(available_timezones())


def _stored_form(user: User) -> dict[str, Any]:
    """The form fields as the database has them now."""
    with reading() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        chosen = get_preferences(session, user.id)
    zone = user_zone(stored)
    form: dict[str, Any] = {
        "ooo_enabled": stored.ooo_enabled,
        "ooo_message": stored.ooo_message or "",
        "ooo_starts": _local_input(stored.ooo_starts_at, zone),
        "ooo_ends": _local_input(stored.ooo_ends_at, zone),
        "presence": stored.presence.value,
        "enter_sends": "yes" if stored.enter_sends else "no",
        "time_zone": stored.time_zone,
        "digest_hour": str(stored.digest_hour),
        "digest_weekday": str(stored.digest_weekday),
        "alert_retention_days": str(stored.alert_retention_days),
    }
    for category, preference in chosen.items():
        form[f"{category.value}-channel"] = preference.channel.value
        form[f"{category.value}-frequency"] = preference.frequency.value
        form[f"{category.value}-email_even_if_read"] = preference.email_even_if_read
    return form


def _local_input(moment: datetime | None, zone: Any) -> str:
    return "" if moment is None else utc_to_local(moment, zone).strftime(LOCAL_INPUT_FORMAT)


def _muted_rooms(user: User) -> list[MutedRoom]:
    with reading() as session:
        return list_muted_rooms(session, user.id)


def _render(
    *, errors: dict[str, str] | None = None, submitted: dict[str, Any] | None = None
) -> str:
    stored = _stored_form(current_user())
    return render_template(
        "settings.html",
        active_tab="settings",
        form=stored | (submitted or {}),
        errors=errors or {},
        categories=CATEGORY_LABELS,
        # Per category, only what saving accepts: Account Alerts offer no "Nothing"/"Never".
        channels={
            category: {c: CHANNEL_LABELS[c] for c in channel_choices(category)}
            for category in CATEGORY_LABELS
        },
        frequencies={
            category: {f: FREQUENCY_LABELS[f] for f in frequency_choices(category)}
            for category in CATEGORY_LABELS
        },
        muted_rooms=_muted_rooms(current_user()),
        zones=time_zone_names(),
        weekdays=WEEKDAYS,
        retention_choices=RETENTION_CHOICES,
        # Out-of-office times are in the saved zone, even while a new one is being refused.
        shown_zone=stored["time_zone"],
    )


def _saved(section: str, text: str) -> Response:
    flash(text, "success")
    return redirect(url_for("preferences.settings_page") + f"#{section}")


def _refused(error: DomainError, field: str, submitted: dict[str, Any]) -> tuple[str, int]:
    place = error.field if isinstance(error, InvalidSetting) else field
    return _render(errors={place: str(error)}, submitted=submitted), 400


@preferences.get("/settings")
@login_required
def settings_page() -> str:
    return _render()


@preferences.post("/settings/notifications")
@login_required
def save_notifications() -> Response | tuple[str, int]:
    submitted: dict[str, Any] = {}
    for category in NotifyCategory:
        prefix = category.value
        submitted[f"{prefix}-channel"] = request.form.get(f"{prefix}-channel", "")
        submitted[f"{prefix}-frequency"] = request.form.get(f"{prefix}-frequency", "")
        submitted[f"{prefix}-email_even_if_read"] = f"{prefix}-email_even_if_read" in request.form
    submitted["digest_hour"] = request.form.get("digest_hour", "")
    submitted["alert_retention_days"] = request.form.get("alert_retention_days", "")
    submitted["digest_weekday"] = request.form.get("digest_weekday", "")
    try:
        with writing() as session:
            _save_each_category(session, current_user().id, submitted)
    except _Refused as refused:
        return _render(errors=refused.errors, submitted=submitted), 400
    return _saved("notifications", "Notification settings saved.")


def _save_each_category(session: Any, user_id: int, submitted: dict[str, Any]) -> None:
    """Save every category, or (any refused) none: the errors of all of them are shown."""
    errors: dict[str, str] = {}
    for category in NotifyCategory:
        prefix = category.value
        try:
            set_preference(
                session,
                user_id,
                category,
                channel=submitted[f"{prefix}-channel"],
                frequency=submitted[f"{prefix}-frequency"],
                email_even_if_read=submitted[f"{prefix}-email_even_if_read"],
            )
        except InvalidSetting as error:
            errors[error.field] = str(error)
    try:
        set_digest_schedule(
            session, user_id, hour=submitted["digest_hour"], weekday=submitted["digest_weekday"]
        )
    except InvalidSetting as error:
        errors[error.field] = str(error)
    try:
        set_alert_retention(session, user_id, submitted["alert_retention_days"])
    except InvalidSetting as error:
        errors[error.field] = str(error)
    if errors:
        raise _Refused(errors)


@preferences.post("/settings/out-of-office")
@login_required
def save_out_of_office() -> Response | tuple[str, int]:
    submitted = {
        "ooo_enabled": request.form.get("ooo_enabled") == "on",
        "ooo_message": request.form.get("ooo_message", ""),
        "ooo_starts": request.form.get("ooo_starts", "").strip(),
        "ooo_ends": request.form.get("ooo_ends", "").strip(),
    }
    try:
        starts = _parse_local(submitted["ooo_starts"], "ooo_starts")
        ends = _parse_local(submitted["ooo_ends"], "ooo_ends")
        with writing() as session:
            set_out_of_office(
                session,
                current_user().id,
                enabled=submitted["ooo_enabled"],
                message=submitted["ooo_message"],
                starts_local=starts,
                ends_local=ends,
                now=utc_now(),
            )
    except DomainError as error:
        return _refused(error, "ooo_enabled", submitted)
    return _saved("out-of-office", "Out of office saved.")


def _parse_local(value: str, field: str) -> datetime | None:
    """A `datetime-local` field's value (naive, in the user's zone); empty is None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidSetting(field, "enter a date and time like 2026-12-24T09:00") from None
    if parsed.tzinfo is not None:
        raise InvalidSetting(field, "enter the time without a time zone: yours is used")
    return parsed


@preferences.post("/settings/status")
@login_required
def save_status() -> Response | tuple[str, int]:
    submitted = {"presence": request.form.get("presence", "")}
    try:
        with writing() as session:
            set_presence(session, current_user().id, submitted["presence"])
    except DomainError as error:
        return _refused(error, "presence", submitted)
    return _saved("status", "Status saved.")


@preferences.post("/settings/enter-key")
@login_required
def save_enter_key() -> Response | tuple[str, int]:
    submitted = {"enter_sends": request.form.get("enter_sends", "")}
    if submitted["enter_sends"] not in ("yes", "no"):
        error = InvalidSetting("enter_sends", "choose what the Enter key does")
        return _refused(error, "enter_sends", submitted)
    with writing() as session:
        set_enter_sends(session, current_user().id, submitted["enter_sends"] == "yes")
    return _saved("enter-key", "Enter key setting saved.")


@preferences.post("/settings/time-zone")
@login_required
def save_time_zone() -> Response | tuple[str, int]:
    submitted = {"time_zone": request.form.get("time_zone", "")}
    try:
        with writing() as session:
            set_time_zone(session, current_user().id, submitted["time_zone"])
    except DomainError as error:
        return _refused(error, "time_zone", submitted)
    return _saved("time-zone", "Time zone saved.")


@preferences.post("/settings/email/resume")
@login_required
def resume_email() -> Response:
    """The bouncing banner's button: the user fixed their mailbox, email resumes."""
    with writing() as session:
        resume_bounced_email(session, current_user().email)
    flash("Email resumes. If it bounces again, this notice comes back.", "success")
    return redirect(url_for("preferences.settings_page"), 303)
