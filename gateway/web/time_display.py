"""The Jinja filters through which every page shows a time: `moment` (a <time> element with
the UTC instant in `datetime` and the full local date-time in `title`), `time_text` (the
short text alone, for labels) and `away_label` (a member's away badge).

The format itself is gateway.core.time_display's; this module only binds it to the request:
the signed-in reader's time zone (UTC for a visitor, and the text then says "UTC") and the
app clock. create_app registers the filters.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from flask import Flask, g
from markupsafe import Markup

from gateway.core.preferences import user_zone
from gateway.core.time_display import ShownTime, away_text, show_time
from gateway.web.context import web_context


def register_time_filters(app: Flask) -> None:
    app.add_template_filter(moment, "moment")
    app.add_template_filter(time_text, "time_text")
    app.add_template_filter(away_label, "away_label")


def moment(value: datetime | str | None, relative: bool = True, css: str = "") -> Markup:
    """`<time datetime="ISO" title="Wed 3 Dec 2025, 14:05 CET">5 min ago</time>`."""
    shown = _shown(value, relative)
    if shown is None:
        return Markup("")
    css_attribute = Markup(' class="%s"') % css if css else Markup("")
    return Markup('<time datetime="%s" title="%s"%s>%s</time>') % (
        shown.iso,
        shown.full,
        css_attribute,
        shown.text,
    )


def time_text(value: datetime | str | None, relative: bool = True) -> str:
    """The short text alone ("" for no time)."""
    shown = _shown(value, relative)
    return "" if shown is None else shown.text


def away_label(until: datetime | str | None) -> str:
    """ "Away until tomorrow 09:00" for this reader; "Away" with no end (None or "")."""
    instant = _instant(until)
    return away_text(instant, _reader_zone(), web_context().clock())


def _shown(value: datetime | str | None, relative: bool) -> ShownTime | None:
    """A stored time (aware datetime, or the ISO text a view model carries) for this reader."""
    instant = _instant(value)
    if instant is None:
        return None
    return show_time(instant, _reader_zone(), web_context().clock(), relative=relative)


def _instant(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    # Stored times are UTC (SQLite hands them back naive).
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _reader_zone() -> tzinfo:
    user = g.get("user")
    return UTC if user is None else user_zone(user)
