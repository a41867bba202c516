"""Quote headers as each client writes them, in each language: Gmail and Apple
attributions, Outlook's header block (web: under a rule; desktop: bare), and the quoted
message under them."""

from __future__ import annotations

from html import escape

from .clients import WRAP, Quote, wrap_lines
from .languages import Language

RULE = "_" * 32


def attribution(lang: Language, template: str, sender: tuple[str, str] | None = None) -> str:
    name, address = sender or lang.sender
    return template.format(n=name, a=address)


def gmail_quote(
    lang: Language,
    sender: tuple[str, str] | None = None,
    body: tuple[str, ...] | None = None,
    width: int = WRAP,
) -> Quote:
    """Gmail's text part wraps a long attribution line like any other line."""
    attr = attribution(lang, lang.gmail, sender)
    return Quote("\n".join(wrap_lines(attr, width)), body or lang.original, "gmail")


def apple_quote(lang: Language, ios: bool = True, body: tuple[str, ...] | None = None) -> Quote:
    return Quote(attribution(lang, lang.apple), body or lang.original, "ios" if ios else "apple")


def header_block(
    lang: Language,
    labels: tuple[str, ...] = ("from", "sent", "to", "subject"),
    sender: tuple[str, str] | None = None,
    prefix: str = "",
    date_label: str = "",
) -> tuple[list[str], list[str]]:
    """The header block's lines as text and as Outlook's HTML (bold field names)."""
    name, address = sender or lang.sender
    from_, sent, to, subject = lang.outlook
    values = {
        "from": (from_, f"{name} <{address}>"),
        "sent": (sent, lang.outlook_date),
        "date": (date_label or "Date", lang.outlook_date),
        "to": (to, f"{lang.replier[0]} <{lang.replier[1]}>"),
        "subject": (subject, f"{prefix}{lang.subject}"),
    }
    text, html = [], []
    for label in labels:
        field, value = values[label]
        text.append(f"{field}{lang.colon} {value}")
        html.append(f"<b>{escape(field)}{lang.colon}</b> {escape(value)}")
    return text, html


def outlook_quote(
    lang: Language,
    web: bool = True,
    labels: tuple[str, ...] = ("from", "sent", "to", "subject"),
    sender: tuple[str, str] | None = None,
    body: tuple[str, ...] | None = None,
    date_label: str = "",
) -> Quote:
    text, html = header_block(lang, labels, sender, "RE: " if web else "", date_label)
    if web:
        text = [RULE, *text]
    return Quote(
        "\n".join(text),
        body or lang.original,
        "outlook_web" if web else "outlook_desktop",
        marked=False,
        header_html="<br>\n".join(html),
    )
