"""Quote headers that are hard to see: replies to our own notifications (the sender is
"Name via <room title>", so the attribution is long and wraps), attributions split over
two or three lines or sharing a line with the reply, full-width colons, no-break spaces
and bidi marks, a blockquote the person wrote themselves, and "> " markers broken by a
wrapped link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from html import escape

from .case import Case, make_case
from .clients import Quote, Reply, html_lines, quoted_lines, render_html, wrap_lines
from .languages import BY_CODE, LRE, PDF, RLM
from .quotes import apple_quote, gmail_quote, outlook_quote

EN = BY_CODE["en"]
ROOM_ADDRESS = "reply+k7d2x9mq4b@rooms.example.net"
# Room titles, some long enough that "<name> via <title> <address>" wraps in any client.
_ROOMS = (
    ("en", "Quarterly planning for the Northern region", "Let's keep the 14th. I'll tell"
     " the caterers."),
    ("en", "Facilities and maintenance requests for the Riverside campus buildings",
     "The boiler in block C was fixed this morning."),
    ("en", "Book club", "I'm halfway through, no spoilers please!"),
    ("de", "Jahresplanung Vertrieb und Marketing für die Region Süd-West 2027",
     "Ich bin am Donnerstag dabei."),
    ("fr", "Comité d'organisation de la fête de quartier du printemps prochain",
     "Je m'occupe des boissons."),
    ("es", "Coordinación de voluntarios para la campaña de recogida de alimentos",
     "Puedo el sábado por la mañana."),
    ("nl", "Bewonerscommissie Parkzicht – onderhoud en klachten", "De lift doet het weer."),
    ("pl", "Planowanie budżetu działu IT na pierwszy kwartał 2027 roku",
     "Zgadzam się z propozycją Kasi."),
    ("ja", "第四四半期の営業会議と来年度の予算計画について", "承知しました。資料を準備します。"),
    ("en", "Parents of Year 4 at St Mary's Primary School – trips, clubs and fundraising",
     "Count me in for the bake sale.\n\nSam"),
)  # fmt: skip


def _notification(lang, title: str) -> tuple[tuple[str, str], tuple[str, ...]]:
    name = lang.sender[0]
    body = (
        *lang.original,
        f"Reply to this email to post in {title}, or open it: https://rooms.example.net/r/42",
    )
    return (f"{name} via {title}", ROOM_ADDRESS), body


def notification_replies() -> Iterator[Case]:
    for n, (code, title, text) in enumerate(_ROOMS):
        lang = BY_CODE[code]
        sender, body = _notification(lang, title)
        kind = ("gmail", "gmail", "outlook", "apple", "gmail")[n % 5]
        if kind == "gmail":
            quote = gmail_quote(lang, sender, body)
        elif kind == "outlook":
            quote = outlook_quote(lang, web=True, sender=sender, body=body)
        else:
            quote = replace(apple_quote(lang, body=body),
                            header=lang.apple.format(n=sender[0], a=sender[1]))  # fmt: skip
        yield make_case(
            f"{kind}-{code}-notification-{n}", kind, lang, "notification_quote",
            Reply(text, quote, wrap=kind == "gmail"),
            recipient=sender, parts="plain" if n % 4 == 3 else "both",
            extra_unwanted=["Reply to this email to post in"],
        )  # fmt: skip


# Attributions split by the client (or a relay) over two and three lines.
_WRAPPED = (
    ("en", "gmail", ["On Mon, 7 Dec 2026 at 10:04, Maximilian von Hohenberg-Stauffenberg",
                     "<maximilian.von.hohenberg-stauffenberg@department.example.co.uk>",
                     "wrote:"], "Yes, go ahead."),
    ("en", "outlook", ["On Mon, 7 Dec 2026 at 10:04,", "Alice Archer <alice.archer@example.com>",
                       "wrote:"], "Thanks, I'll check and come back to you."),
    ("en", "apple", ["On 7 Dec 2026, at 10:04, Alice Archer",
                     "<alice.archer@example.com> wrote:"], "Perfect."),
    ("de", "gmail", ["Am Mo., 7. Dez. 2026 um 10:04 Uhr schrieb Anna Schmidt <",
                     "anna.schmidt@example.de>:"], "Ja, passt."),
    ("fr", "gmail", ["Le lun. 7 déc. 2026 à 10:04, Claire Martin <claire.martin@example.fr>",
                     "a écrit\u00a0:"], "Je te rappelle cet après-midi."),
    ("es", "gmail", ["El lun, 7 dic 2026 a las 10:04, Lucía García",
                     "(<lucia.garcia@example.es>)", "escribió:"], "De acuerdo, lo miro hoy."),
    ("nl", "thunderbird", ["Op 07-12-2026 om 10:04 schreef", "Sanne de Vries:"],
     "Zaterdag is goed."),
    ("pt", "gmail", ["Em seg., 7 de dez. de 2026 às 10:04, Beatriz Costa <",
                     "beatriz.costa@example.com.br> escreveu:"], "Pode deixar, envio amanhã."),
    ("it", "gmail", ["Il giorno lun 7 dic 2026 alle ore 10:04 Giulia Rossi <",
                     "giulia.rossi@example.it> ha scritto:"], "Perfetto, grazie!"),
)  # fmt: skip


def wrapped_attributions() -> Iterator[Case]:
    for n, (code, client, header, text) in enumerate(_WRAPPED):
        lang = BY_CODE[code]
        style = {"gmail": "gmail", "outlook": "plain", "apple": "apple", "thunderbird": "moz"}
        yield make_case(
            f"{client}-{code}-attribution-{len(header)}-lines-{n}", client, lang,
            "attribution_wrapped", Reply(text, Quote("\n".join(header), lang.original,
                                                     style[client])),
            parts="plain" if n % 2 else "both",
        )  # fmt: skip


_INLINE = (
    ("en", "Sounds good.", "On Mon, 7 Dec 2026 at 10:04, Alice Archer <alice.archer@example.com>"
     " wrote:"),
    ("en", "Yes, 14 March is fine - I've booked it.", "On 7 Dec 2026, at 10:04, Alice Archer"
     " <alice.archer@example.com> wrote:"),
    ("de", "Passt mir gut.", "Am Mo., 7. Dez. 2026 um 10:04 Uhr schrieb Anna Schmidt"
     " <anna.schmidt@example.de>:"),
    ("fr", "Ça marche pour moi.", "Le lun. 7 déc. 2026 à 10:04, Claire Martin"
     " <claire.martin@example.fr> a écrit :"),
    ("es", "Perfecto, gracias.", "El lun, 7 dic 2026 a las 10:04, Lucía García"
     " (<lucia.garcia@example.es>) escribió:"),
)  # fmt: skip


def inline_attributions() -> Iterator[Case]:
    """A text part made from HTML by a relay that dropped the line break before the
    attribution: the reply and the header share one line."""
    for n, (code, text, attr) in enumerate(_INLINE):
        lang = BY_CODE[code]
        lines = [*wrap_lines(f"{text} {attr}"), "", *quoted_lines(lang.original, True)]
        yield make_case(
            f"relay-{code}-attribution-inline-{n}", "relay", lang, "attribution_inline",
            Reply(text, Quote(attr, lang.original, "plain")), parts="plain",
            plain="\n".join(lines) + "\n",
            unwanted=[attr[-20:], lang.original[1][:30]],
        )  # fmt: skip


def special_characters() -> Iterator[Case]:
    zh, ja, he, ar, fr = (BY_CODE[c] for c in ("zh", "ja", "he", "ar", "fr"))
    yield make_case(
        "outlook-zh-fullwidth-colons", "outlook", zh, "special_chars",
        Reply("好的，周三前我把两家酒店的报价发给你。", outlook_quote(zh, web=False)),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "outlook-ja-fullwidth-colons", "outlook", ja, "special_chars",
        Reply("資料は明日までにお送りします。", outlook_quote(ja, web=True)),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "gmail-fr-narrow-nbsp", "gmail", fr, "special_chars",
        Reply("Oui\u202f! Je serai là à 9\u00a0h.",
              Quote("Le lun. 7 déc. 2026 à 10:04, Claire Martin <claire.martin@example.fr>"
                    " a écrit\u202f:", fr.original, "gmail")),
    )  # fmt: skip
    yield make_case(
        "gmail-en-nbsp-in-reply", "gmail", EN, "special_chars",
        Reply("The quote is £1\u00a0200 for the day,\u00a0including chairs.",
              gmail_quote(EN), wrap=True),
        parts="plain",
    )  # fmt: skip
    he_outlook = outlook_quote(he, web=True)
    yield make_case(
        "outlook-he-rlm-fields", "outlook", he, "special_chars",
        Reply("מאשר, נתראה ברביעי.", replace(
            he_outlook, header=he_outlook.header.replace(": ", f":{RLM} "))),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "apple-ar-rlm-attribution", "apple", ar, "special_chars",
        Reply("تم الحجز، شكرا.", Quote(f"{RLM}في 7 ديسمبر 2026، الساعة 10:04، كتب"
                                      f" {LRE}ليلى حسن{PDF} <layla@example.ae>:{RLM}",
                                      ar.original, "apple")),
    )  # fmt: skip
    yield make_case(
        "gmail-en-zwj-emoji", "gmail", EN, "special_chars",
        Reply("On it 🧑\u200d💻 - will have it done by Friday 👍🏽", gmail_quote(EN)),
    )  # fmt: skip
    yield make_case(
        "apple-en-zwj-emoji-html-only", "apple", EN, "special_chars",
        Reply("Sorted 👨\u200d👩\u200d👧 - the kids' tickets are booked too.", apple_quote(EN)),
        parts="html",
    )  # fmt: skip
    yield make_case(
        "gmail-en-emoji-only", "gmail", EN, "special_chars",
        Reply("👍", gmail_quote(EN)),
    )  # fmt: skip


def own_blockquotes() -> Iterator[Case]:
    """The person quotes a passage on purpose, in a blockquote of their own, above the
    client's quote container: the passage and their comment are both theirs to keep."""
    passages = (
        (
            "The hire agreement says:",
            "Cancellations less than 14 days before the event are charged in full.",
            "So we need to decide by the 28th.",
        ),
        (
            "From the council's website:",
            "The hall is available to community groups at a reduced rate on weekdays.",
            "Maybe we should move it to a Friday?",
        ),
        (
            "Quoting the minutes of the last meeting:",
            "Bob to confirm the venue by mid-December.",
            "Consider it confirmed.",
        ),
    )
    for n, (lead, passage, after) in enumerate(passages):
        typed = f"{lead}\n{passage}\n{after}"
        own = (f"<div>{escape(lead)}</div>\n<blockquote style=\"margin:0 0 0 40px\">"
               f"{escape(passage)}</blockquote>\n<div>{escape(after)}</div>")  # fmt: skip
        for client, quote in (("gmail", gmail_quote(EN)), ("apple", apple_quote(EN, ios=False))):
            reply = Reply(typed, quote)
            html = render_html(reply)
            if html_lines(typed) not in html:
                raise ValueError("the person's lines are not where the blockquote goes")
            html = html.replace(html_lines(typed), own)
            yield make_case(
                f"{client}-en-own-blockquote-{n}", client, EN, "own_blockquote", reply,
                parts="html", html=html, expected=None, words=[lead, passage, after],
            )  # fmt: skip


def broken_markers() -> Iterator[Case]:
    """A quoted line with a long link, re-wrapped by a client that did not repeat "> ":
    the link's tail is an unmarked line inside the quote."""
    link = "https://intranet.example.com/teams/facilities/2027/spring-workshop/venue-options"
    tail = "?view=list&sort=price"
    original = ("Hi Bob,", "The options are listed on", "Could you pick one by Friday?")
    for n, (client, header, text) in enumerate((
        ("gmail", "On Mon, 7 Dec 2026 at 10:04, Alice Archer <alice.archer@example.com> wrote:",
         "Option 2 looks best to me."),
        ("thunderbird", "On 07/12/2026 10:04, Alice Archer wrote:", "I'd go for the town hall."),
        ("apple", "On 7 Dec 2026, at 10:04, Alice Archer <alice.archer@example.com> wrote:",
         "None of them is free on the 14th, sadly."),
        ("k9", "On December 7, 2026 10:04:05 AM UTC, Alice Archer <alice.archer@example.com>"
         " wrote:", "Option 1, it has parking."),
        ("fastmail", "On Mon, 7 Dec 2026, at 10:04, Alice Archer wrote:",
         "Any of them, as long as it's near the station.\n\nBob"),
    )):  # fmt: skip
        plain = "\n".join([
            text, "", header, "> Hi Bob,", ">", "> The options are listed on",
            f"> {link}", tail, ">", "> Could you pick one by Friday?", "",
        ])  # fmt: skip
        yield make_case(
            f"{client}-en-broken-quote-marker-{n}", client, EN, "broken_quote_markers",
            Reply(text, Quote(header, original, "plain")), parts="plain", plain=plain,
            unwanted=[tail, "The options are listed on", "Could you pick one by Friday?"],
        )  # fmt: skip


def edge_cases() -> Iterator[Case]:
    yield from notification_replies()
    yield from wrapped_attributions()
    yield from inline_attributions()
    yield from special_characters()
    yield from own_blockquotes()
    yield from broken_markers()
