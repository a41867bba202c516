"""How each mail client lays out a reply: the text/plain and text/html parts it sends.

A reply is the person's text, then optionally a signature and a tagline, then the quoted
message under a quote header (an "On ... wrote:" attribution or an Outlook header block).
``render_plain`` and ``render_html`` write that reply the way the client named by
``Quote.style`` does: Gmail wraps its text part at 76 columns (the attribution too);
Outlook puts an unmarked copy of the message under a rule and a header block; iOS Mail
quotes its attribution with the message; Thunderbird, Proton, Zoho and Yahoo each have
their own quote containers in HTML.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape

WRAP = 76
GMAIL_QUOTE_STYLE = (
    "margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"
)


@dataclass(frozen=True, slots=True)
class Quote:
    header: str  # as the text part shows it (lines joined by "\n")
    body: tuple[str, ...]  # the quoted message, one paragraph per item
    style: str  # gmail, outlook_web, outlook_desktop, apple, ios, moz, yahoo, proton, zoho, plain
    marked: bool = True  # the text part puts "> " before each quoted line
    header_html: str = ""  # the header as HTML, when it is not the escaped text


@dataclass(frozen=True, slots=True)
class Reply:
    text: str  # what the person typed (lines joined by "\n")
    quote: Quote | None = None
    signature: str = ""  # lines of a signature
    delimited: bool = False  # the signature is under "-- " (RFC 3676 section 4.3)
    tagline: str = ""  # "Sent from my iPhone"
    wrap: bool = False  # the client hard-wraps its text part (Gmail)
    bottom: bool = False  # the person's text is under the quote


def wrap_lines(text: str, width: int = WRAP) -> list[str]:
    """Each line of ``text`` wrapped at ``width`` the way a mail client does: at spaces,
    never inside a word or a link."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(
            textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        )
    return out


def quoted_lines(paragraphs: tuple[str, ...], marked: bool, width: int = WRAP) -> list[str]:
    lines: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i:
            lines.append("")
        lines.extend(wrap_lines(paragraph, width - 2 if marked else width))
    if not marked:
        return lines
    return ["> " + line if line else ">" for line in lines]


def _own_part(reply: Reply) -> list[str]:
    lines = wrap_lines(reply.text) if reply.wrap else reply.text.split("\n")
    if reply.signature:
        lines.append("")
        if reply.delimited:
            lines.append("-- ")
        lines.extend(reply.signature.split("\n"))
    if reply.tagline:
        lines += ["", reply.tagline]
    return lines


def render_plain(reply: Reply) -> str:
    own = _own_part(reply)
    quote = reply.quote
    if quote is None:
        return "\n".join(own) + "\n"
    header = quote.header.split("\n")
    if quote.style == "ios":
        block = ["> " + line for line in header] + [">"] + quoted_lines(quote.body, True)
    elif quote.style.startswith("outlook"):
        block = [*header, "", *quoted_lines(quote.body, False)]
    else:
        block = [*header, "", *quoted_lines(quote.body, quote.marked)]
    if reply.bottom:
        return "\n".join([*block, "", *own]) + "\n"
    return "\n".join([*own, "", *block]) + "\n"


# --- HTML -----------------------------------------------------------------------------------


def html_lines(text: str) -> str:
    """The person's text as a rich editor writes it: a div per line, blank lines as <br>."""
    return "\n".join(f"<div>{escape(line)}</div>" if line else "<div><br></div>"
                     for line in text.split("\n"))  # fmt: skip


def html_paragraphs(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(
        "<p>" + "<br>\n".join(escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


def _own_html(reply: Reply) -> str:
    parts = [html_lines(reply.text)]
    if reply.signature:
        sig = "<br>\n".join(escape(line) for line in reply.signature.split("\n"))
        if reply.delimited:
            sig = "-- <br>\n" + sig
        gmail = reply.quote is not None and reply.quote.style == "gmail"
        kind = 'dir="ltr" class="gmail_signature"' if gmail else 'class="signature"'
        parts.append(f"<br>\n<div {kind}>{sig}</div>")
    if reply.tagline:
        parts.append(f"<br>\n<div>{escape(reply.tagline)}</div>")
    return "\n".join(parts)


def _header_html(quote: Quote) -> str:
    return quote.header_html or "<br>\n".join(escape(line) for line in quote.header.split("\n"))


def _quote_html(quote: Quote) -> str:
    header, body = _header_html(quote), html_paragraphs(quote.body)
    match quote.style:
        case "gmail":
            attr = " ".join(quote.header.split())  # Gmail's HTML attribution is one line
            return (
                f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">{escape(attr)}'
                f'<br></div>\n<blockquote class="gmail_quote" style="{GMAIL_QUOTE_STYLE}">\n'
                f"{body}\n</blockquote></div>"
            )
        case "outlook_web":
            return (
                '<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%">\n'
                f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
                f'style="font-size:11pt">{header}</font>\n<div>&nbsp;</div></div>\n'
                f"<div>{body}</div>"
            )
        case "outlook_desktop":
            return (
                '<div style="border:none;border-top:solid #E1E1E1 1.0pt;'
                f'padding:3.0pt 0cm 0cm 0cm">\n<p class="MsoNormal">{header}</p>\n</div>\n'
                f"<div>{body}</div>"
            )
        case "apple" | "ios":
            return (
                f'<div dir="ltr"><br><blockquote type="cite">{header}<br><br></blockquote></div>\n'
                f'<blockquote type="cite"><div dir="ltr">{body}</div></blockquote>'
            )
        case "moz":
            return (
                f'<div class="moz-cite-prefix">{header}<br></div>\n'
                f'<blockquote type="cite" cite="mid:original@example.com">{body}</blockquote>'
            )
        case "yahoo":
            return (
                '<div class="yahoo_quoted" id="yahoo_quoted_2041">\n'
                f'<div style="font-family:Helvetica, Arial, sans-serif">{header}</div>\n'
                f'<div><br></div>\n<div dir="ltr">{body}</div></div>'
            )
        case "proton":
            return (
                f'<div class="protonmail_quote">{header}<br>\n'
                f'<blockquote class="protonmail_quote" type="cite">{body}</blockquote></div>'
            )
        case "zoho":
            return (
                f'<div class="zmail_extra"><div id="Zm-_Id_-Sgn1">{header}<br></div>\n'
                f'<blockquote style="border-left:1px solid #0000FF;padding-left:6px">{body}'
                "</blockquote></div>"
            )
        case _:
            return f"<div>{header}</div>\n<blockquote>{body}</blockquote>"


def render_html(reply: Reply) -> str:
    own = _own_html(reply)
    if reply.quote is not None:
        quote = _quote_html(reply.quote)
        own = f"{quote}\n<br>\n{own}" if reply.bottom else f"{own}\n<br>\n{quote}"
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        f'\n<body><div dir="ltr">\n{own}\n</div></body></html>\n'
    )
