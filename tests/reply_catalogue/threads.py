"""Replies around the quote rather than above it: bottom-posts, answers interleaved with
the quoted lines, forwards with a comment, and replies that are all quote.

Interleaved answers have no expected text: how the quoted context is shown is the
extractor's choice, so they are judged by ``words`` (the person's lines) and ``unwanted``
(the person's signature or tagline, never part of the conversation). A forward's expected
reply is the person's comment: the forwarded message is someone else's mail, kept with the
quoted text (as the shared reply-trimmer corpus's forwarded_gmail has it), not in the reply."""

from __future__ import annotations

from collections.abc import Iterator

from .case import Case, make_case
from .clients import Quote, Reply, wrap_lines
from .languages import BY_CODE
from .quotes import apple_quote, gmail_quote, outlook_quote

EN = BY_CODE["en"]

# (language, Thunderbird's attribution, the person's answer under the quote)
_BOTTOM = (
    ("en", "On 07/12/2026 10:04, Alice Archer wrote:",
     "It's free. I've asked them to hold it for us until Friday."),
    ("de", "Am 07.12.26 um 10:04 schrieb Anna Schmidt:",
     "Donnerstag passt. Ich reserviere den kleinen Raum.\n\nJonas"),
    ("fr", "Le 07/12/2026 à 10:04, Claire Martin a écrit\u00a0:",
     "Oui, je serai là. Je peux apporter le vidéoprojecteur."),
    ("nl", "Op 07-12-2026 om 10:04 schreef Sanne de Vries:",
     "Ik kan om tien uur, eerder lukt niet.\n\nGroet,\nDaan"),
    ("sv", "Den 2026-12-07 kl. 10:04, skrev Emma Lindqvist:",
     "Dagordningen kommer på torsdag."),
    ("pl", "W dniu 7.12.2026 o 10:04, Katarzyna Nowak pisze:",
     "Wysłałem fakturę dziś rano, sprawdź proszę spam."),
    ("ru", "07.12.2026 10:04, Ольга Смирнова пишет:",
     "Отчёт пришлю в четверг вечером."),
    ("it", "Il 07/12/26 10:04, Giulia Rossi ha scritto:",
     "Te li mando entro martedì sera."),
    ("es", "El 7/12/26 a las 10:04, Lucía García escribió:",
     "Revisado. Falta el transporte, lo añado yo."),
)  # fmt: skip


def bottom_posts() -> Iterator[Case]:
    for code, attr, text in _BOTTOM:
        lang = BY_CODE[code]
        yield make_case(
            f"thunderbird-{code}-bottom", "thunderbird", lang, "bottom_post",
            Reply(text, Quote(attr, lang.original, "moz"), bottom=True),
            parts="plain" if code in ("de", "pl", "ru") else "both",
            mailer="Mozilla Thunderbird",
        )  # fmt: skip
    yield make_case(
        "thunderbird-en-bottom-signature", "thunderbird", EN, "bottom_post",
        Reply("Booked for the 14th, 9 to 6.",
              Quote("On 07/12/2026 10:04, Alice Archer wrote:", EN.original, "moz"),
              signature="Bob Baker\nFacilities, Northwind Trading", delimited=True, bottom=True),
    )  # fmt: skip
    yield make_case(
        "k9-en-bottom", "k9", EN, "bottom_post",
        Reply("Yes. Hall is free, I'll confirm with the caretaker.",
              Quote("On December 7, 2026 10:04:05 AM UTC, Alice Archer"
                    " <alice.archer@example.com> wrote:", EN.original, "plain"),
              bottom=True),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "fastmail-en-bottom", "fastmail", EN, "bottom_post",
        Reply("Free all day. Shall I book the projector as well?\n\nBob",
              Quote("On Mon, 7 Dec 2026, at 10:04, Alice Archer wrote:", EN.original, "plain"),
              bottom=True),
    )  # fmt: skip
    yield make_case(
        "gmail-en-bottom", "gmail", EN, "bottom_post",
        Reply("I checked with the council: it's free, and the fee is £120 for the day.",
              gmail_quote(EN), wrap=True, bottom=True),
    )  # fmt: skip
    yield make_case(
        "apple-en-bottom", "apple", EN, "bottom_post",
        Reply("Free. I've reserved it.", apple_quote(EN, ios=False), bottom=True),
    )  # fmt: skip
    yield make_case(
        "gmail-de-bottom", "gmail", BY_CODE["de"], "bottom_post",
        Reply("Ja, Donnerstag um 15 Uhr passt. Ich bringe die Zahlen mit.",
              gmail_quote(BY_CODE["de"]), wrap=True, bottom=True),
        parts="plain",
    )  # fmt: skip


def _interleaved(header: str, pairs: list[tuple[str, str]], tail: str = "",
                 signature: str = "") -> str:  # fmt: skip
    """A text part with the person's answers under the quoted lines they answer."""
    lines = [header]
    for quoted, answer in pairs:
        lines += ["> " + q if q else ">" for q in quoted.split("\n")]
        lines += ["", *answer.split("\n"), ""]
    if tail:
        lines += ["> " + t if t else ">" for t in tail.split("\n")]
        lines.append("")
    if signature:
        lines += ["-- ", *signature.split("\n"), ""]
    return "\n".join(lines)


_INTERLEAVED = (
    ("en", "thunderbird", "On 07/12/2026 10:04, Alice Archer wrote:",
     [("Is the hall free on 14 March?", "Yes, from 9 until 6."),
      ("Does it hold forty people?", "Thirty-five seated, forty standing."),
      ("Is there parking?", "Only on the street; the station car park is closer.")],
     "Thanks,\nAlice", ""),
    ("en", "gmail", "On Mon, 7 Dec 2026 at 10:04, Alice Archer <alice.archer@example.com> wrote:",
     [("Can you bring the projector?", "Yes."),
      ("And the extension lead?", "I don't have one, can you ask Dan?")],
     "", "Bob Baker\nNorthwind Trading"),
    ("en", "k9", "Alice Archer <alice.archer@example.com> wrote:",
     [("1. Budget for the venue?", "£400 including VAT"),
      ("2. Catering?", "Sandwiches from the place on Hill Street, about £8 a head"),
      ("3. Who sends the invitations?", "Me, on Friday")], "", ""),
    ("de", "thunderbird", "Am 07.12.26 um 10:04 schrieb Anna Schmidt:",
     [("Passt dir Donnerstag um 15 Uhr?", "Ja."),
      ("Kannst du die Zahlen mitbringen?", "Die vom dritten Quartal, ja. Das vierte ist noch"
       " nicht abgeschlossen.")], "Viele Grüße\nAnna", "Jonas Weber"),
    ("fr", "thunderbird", "Le 07/12/2026 à 10:04, Claire Martin a écrit\u00a0:",
     [("Peux-tu confirmer ta présence mardi ?", "Oui, je serai là à 9 h."),
      ("Et réserver la salle ?", "C'est fait, salle 204.")], "", ""),
    ("nl", "fastmail", "Op ma 7 dec 2026 om 10:04 schreef Sanne de Vries:",
     [("Kun jij zaterdag helpen?", "Ja, vanaf negen uur."),
      ("Heb je een auto?", "Nee, maar ik kan een bus huren bij de garage.")], "", ""),
    ("ru", "thunderbird", "07.12.2026 10:04, Ольга Смирнова пишет:",
     [("Пришлите отчёт до пятницы.", "Пришлю в четверг."),
      ("Добавьте данные по складу.", "Данных по складу пока нет, добавлю в понедельник.")],
     "", ""),
    ("ja", "thunderbird", "佐藤美咲 さんは書きました:",
     [("水曜日の午後は空いていますか？", "はい、空いています。"),
      ("会議室の予約もお願いできますか？", "第二会議室を予約しました。")], "", ""),
    ("pl", "thunderbird", "W dniu 7.12.2026 o 10:04, Katarzyna Nowak pisze:",
     [("Czy możesz wysłać fakturę do końca tygodnia?", "Tak, w czwartek."),
      ("Na jaki adres?", "Na ten sam co zawsze.")], "", "Piotr"),
    ("en", "mutt", "* Alice Archer <alice.archer@example.com> [2026-12-07 10:04]:",
     [("> Is the deposit refundable?\nI think so, let me check.",
       "It is, up to a week before."),
      ("Do we need insurance?", "Their policy covers us.")], "", ""),
)  # fmt: skip


def interleaved() -> Iterator[Case]:
    for n, (code, client, header, pairs, tail, sig) in enumerate(_INTERLEAVED):
        lang = BY_CODE[code]
        answers = [line for _, answer in pairs for line in answer.split("\n") if line]
        plain = _interleaved(header, pairs, tail, sig)
        yield make_case(
            f"{client}-{code}-interleaved-{n}", client, lang, "interleaved",
            Reply(""), parts="plain", plain=plain, expected=None, words=answers,
            unwanted=[line for line in sig.split("\n") if line],
        )  # fmt: skip


_FORWARDS = (
    ("en", "gmail", "FYI - see below, the venue changed.",
     "---------- Forwarded message ---------\nFrom: Alice Archer <alice.archer@example.com>\n"
     "Date: Mon, 7 Dec 2026 at 10:04\nSubject: Venue for the spring workshop\n"
     "To: Bob Baker <bob@example.org>"),
    ("de", "gmail", "Zur Info, siehe unten.",
     "---------- Weitergeleitete Nachricht ---------\nVon: Anna Schmidt"
     " <anna.schmidt@example.de>\nDate: Mo., 7. Dez. 2026 um 10:04 Uhr\n"
     "Subject: Termin für die Jahresplanung\nTo: Jonas Weber <jonas@example.de>"),
    ("fr", "gmail", "Pour info, je te transfère le message de Claire.",
     "---------- Forwarded message ---------\nDe : Claire Martin <claire.martin@example.fr>\n"
     "Date: lun. 7 déc. 2026 à 10:04\nSubject: Réunion de rentrée\n"
     "To: Luc Bernard <luc@example.fr>"),
    ("es", "gmail", "Te reenvío lo de Lucía, ¿lo puedes mirar tú?",
     "---------- Forwarded message ---------\nDe: Lucía García <lucia.garcia@example.es>\n"
     "Date: lun, 7 dic 2026 a las 10:04\nSubject: Presupuesto del proyecto\n"
     "To: Pablo Ruiz <pablo@example.es>"),
    ("en", "thunderbird", "Forwarding for the minutes.",
     "-------- Forwarded Message --------\nSubject: \tVenue for the spring workshop\n"
     "Date: \tMon, 7 Dec 2026 10:04:05 +0000\nFrom: \tAlice Archer <alice.archer@example.com>\n"
     "To: \tBob Baker <bob@example.org>"),
    ("de", "thunderbird", "Bitte übernimm du das, ich bin nächste Woche weg.",
     "-------- Weitergeleitete Nachricht --------\nBetreff: \tTermin für die Jahresplanung\n"
     "Datum: \tMon, 7 Dec 2026 10:04:05 +0100\nVon: \tAnna Schmidt <anna.schmidt@example.de>\n"
     "An: \tJonas Weber <jonas@example.de>"),
    ("en", "apple", "See Alice's note below - can you answer her?\n\nBob",
     "Begin forwarded message:\n\nFrom: Alice Archer <alice.archer@example.com>\n"
     "Subject: Venue for the spring workshop\nDate: 7 December 2026 at 10:04:05 GMT\n"
     "To: Bob Baker <bob@example.org>"),
    ("fr", "apple", "Regarde ce que Claire propose.",
     "Début du message réexpédié\u00a0:\n\nDe: Claire Martin <claire.martin@example.fr>\n"
     "Objet: Réunion de rentrée\nDate: 7 décembre 2026 à 10:04:05 UTC+1\n"
     "À: Luc Bernard <luc@example.fr>"),
    ("ja", "gmail", "参考までに転送します。",
     "---------- Forwarded message ---------\nFrom: 佐藤美咲 <misaki.sato@example.jp>\n"
     "Date: 2026年12月7日(月) 10:04\nSubject: 来週の打ち合わせ\n"
     "To: 田中健 <ken.tanaka@example.jp>"),
    ("en", "gmail", "FYI",
     "---------- Forwarded message ---------\nFrom: Alice Archer <alice.archer@example.com>\n"
     "Date: Mon, 7 Dec 2026 at 10:04\nSubject: Venue for the spring workshop\n"
     "To: Bob Baker <bob@example.org>"),
)  # fmt: skip


def forwards() -> Iterator[Case]:
    for n, (code, client, comment, header) in enumerate(_FORWARDS):
        lang = BY_CODE[code]
        forwarded = "\n\n".join(lang.original)
        if client == "gmail":  # Gmail's text part is wrapped at 76 columns
            forwarded = "\n".join(wrap_lines(forwarded))
        plain = "\n".join([comment, "", header, "", forwarded])
        yield make_case(
            f"{client}-{code}-forward-{n}", client, lang, "forward_comment",
            Reply(comment), parts="plain", plain=plain + "\n", expected=comment,
            words=[c for c in comment.split("\n") if c], unwanted=[],
            subject=f"Fwd: {lang.subject}",
        )  # fmt: skip


def all_quote() -> Iterator[Case]:
    de, fr, ja = BY_CODE["de"], BY_CODE["fr"], BY_CODE["ja"]
    empty = [
        ("gmail-en-all-quote", "gmail", EN, Reply("", gmail_quote(EN), wrap=True), "both"),
        ("gmail-de-all-quote-html", "gmail", de, Reply("", gmail_quote(de)), "html"),
        ("outlook-en-all-quote", "outlook", EN, Reply("", outlook_quote(EN)), "both"),
        ("iphone-en-all-quote", "apple", EN,
         Reply("", apple_quote(EN), tagline="Sent from my iPhone"), "both"),
        ("thunderbird-fr-all-quote", "thunderbird", fr,
         Reply("", Quote("Le 07/12/2026 à 10:04, Claire Martin a écrit\u00a0:", fr.original,
                         "moz")), "plain"),
        ("yahoo-en-all-quote", "yahoo", EN,
         Reply("", Quote("On Monday, December 7, 2026, 10:04:05 AM GMT, Alice Archer"
                         " <alice.archer@example.com> wrote:", EN.original, "yahoo")), "both"),
        ("outlook-ja-all-quote-html", "outlook", ja, Reply("", outlook_quote(ja)), "html"),
        ("k9-en-all-quote", "k9", EN,
         Reply("", Quote("On December 7, 2026 10:04:05 AM UTC, Alice Archer"
                         " <alice.archer@example.com> wrote:", EN.original, "plain")), "plain"),
    ]  # fmt: skip
    for case_id, client, lang, reply, parts in empty:
        yield make_case(case_id, client, lang, "all_quote", reply, parts=parts, expected="")


def thread_cases() -> Iterator[Case]:
    yield from bottom_posts()
    yield from interleaved()
    yield from forwards()
    yield from all_quote()
