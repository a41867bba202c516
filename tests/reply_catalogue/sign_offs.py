"""How replies end: undelimited signatures (name, title, company, phone, address, link,
legal notice), "-- " signatures, closings that are the person's own words, mobile
taglines, prose that only looks like a tagline, and replies full of numbers.

Labels: a closing and the name under it ("Regards,\\nBob") are the person's words; the
lines under the name (title, company, phone, address, link, notice) are the signature."""

from __future__ import annotations

from collections.abc import Iterator

from .case import Case, make_case
from .clients import Reply
from .languages import BY_CODE
from .quotes import apple_quote, gmail_quote, outlook_quote

EN, DE, FR, ES, NL = (BY_CODE[c] for c in ("en", "de", "fr", "es", "nl"))

NOTICE = (
    "This email and any attachments are confidential and intended solely for the\n"
    "addressee. If you have received it in error, please notify the sender and delete it."
)
# (id, language, client, text with closing and name, signature lines)
# fmt: off
_UNDELIMITED = (
    ("en-title-company", EN, "outlook",
     "Confirmed, the hall is ours on the 14th.\n\nRegards,\nBob Baker",
     "Facilities Manager\nNorthwind Trading Ltd\nT: +44 20 7946 0958"),
    ("en-address", EN, "outlook", "I'll send the floor plan this afternoon.\n\nKind regards,\nBob",
     "Bob Baker | Operations\nNorthwind Trading Ltd, 12 Market Street, Leeds LS1 6DT\n"
     "www.northwind.example"),
    ("en-notice", EN, "outlook",
     "Please use the side entrance, the main door is locked on Saturdays.\n\n"
     "Thanks,\nBob", f"Bob Baker\nNorthwind Trading Ltd\n{NOTICE}"),
    ("en-mobile-number", EN, "gmail",
     "The caretaker's name is Dave, he'll meet you at 8.\n\nCheers,\nBob",
     "Bob Baker\nMobile: 07700 900123\nhttps://northwind.example/contact"),
    ("en-pipes", EN, "gmail", "Deposit paid. Receipt attached.\n\nBest,\nBob",
     "Bob Baker | Facilities | Northwind Trading | +44 20 7946 0958"),
    ("de-title", DE, "outlook",
     "Der Raum ist für Donnerstag reserviert.\n\nMit freundlichen Grüßen\n"
     "Jonas Weber", "Teamleiter Vertrieb\nMusterfirma GmbH\nHauptstraße 5, 10115 Berlin\n"
     "Tel.: +49 30 1234567"),
    ("de-legal", DE, "outlook", "Anbei die Zahlen für das dritte Quartal.\n\nViele Grüße\nJonas",
     "Jonas Weber\nMusterfirma GmbH | Geschäftsführer: Max Muster | Amtsgericht Berlin HRB 12345"),
    ("fr-title", FR, "outlook",
     "La salle 204 est réservée pour mardi.\n\nCordialement,\nLuc Bernard",
     "Responsable logistique\nExemple SARL\n01 23 45 67 89"),
    ("es-company", ES, "gmail", "Revisado y enviado a contabilidad.\n\nUn saludo,\nPablo",
     "Pablo Ruiz\nDepartamento de Compras\nEjemplo S.L. | Tel. 912 345 678"),
    ("nl-company", NL, "outlook", "De bus is geregeld voor zaterdag.\n\nMet vriendelijke groet,\n"
     "Daan Jansen", "Voorbeeld B.V.\nKeizersgracht 1, 1015 CJ Amsterdam\n+31 20 123 4567"),
    ("en-only-name-title", EN, "apple", "Sounds good to me.\n\nThanks,\nBob",
     "Bob Baker\nHead of Facilities"),
    ("en-linkedin", EN, "gmail", "Happy to help with the setup on the day.\n\nBest wishes,\nBob",
     "Bob Baker\nlinkedin.com/in/bob-baker-example\nPronouns: he/him"),
)
# fmt: on

_DELIMITED = (
    ("en-gmail", EN, "gmail", "I'll be there at 8:30 to let the caterers in.",
     "Bob Baker\nNorthwind Trading"),
    ("en-thunderbird", EN, "thunderbird", "Yes, book it.\n\nBob", "Bob Baker\n+44 20 7946 0958"),
    ("de-gmail", DE, "gmail", "Ich schicke dir die Zahlen morgen früh.\n\nGruß\nJonas",
     "Jonas Weber · Musterfirma GmbH"),
    ("fr-k9", FR, "k9", "D'accord pour jeudi.", "Luc Bernard\nExemple SARL"),
    ("en-fastmail", EN, "fastmail", "Invoice paid today.\n\nThanks,\nBob",
     "Bob Baker\nhttps://bob.example.org"),
    ("es-thunderbird", ES, "thunderbird", "Perfecto, lo dejo preparado para el lunes.",
     "Pablo Ruiz\nEjemplo S.L."),
    ("en-long", EN, "gmail", "All sorted - see you on the 14th.",
     "Bob Baker\nFacilities Manager\nNorthwind Trading Ltd\n12 Market Street, Leeds\n"
     "+44 20 7946 0958"),
    ("nl-apple", NL, "apple", "Zaterdag om negen uur, ik neem koffie mee.", "Daan\nVoorbeeld B.V."),
)  # fmt: skip


def _quote(client: str, lang):
    if client == "outlook":
        return outlook_quote(lang, web=False)
    if client == "apple":
        return apple_quote(lang, ios=False)
    return gmail_quote(lang)


def signatures() -> Iterator[Case]:
    for key, lang, client, text, signature in _UNDELIMITED:
        yield make_case(
            f"{client}-{key}-signature", client, lang, "signature_plain",
            Reply(text, _quote(client, lang), signature=signature, wrap=client == "gmail"),
            parts="plain" if client == "apple" else "both",
        )  # fmt: skip
    for key, lang, client, text, signature in _DELIMITED:
        yield make_case(
            f"{client}-{key}-dashdash", client, lang, "signature_delimited",
            Reply(text, _quote(client, lang), signature=signature, delimited=True),
            parts="both" if client == "gmail" else "plain",
        )  # fmt: skip
    # "--" without its trailing space: a mailer trimmed it (RFC 3676 section 4.3 wants "-- ").
    for key, text in (("en", "Done, the keys are with reception."),
                      ("en-2", "See you Thursday.\n\nBob")):  # fmt: skip
        reply = Reply(text, gmail_quote(EN), signature="Bob Baker\nNorthwind Trading")
        plain = text + "\n\n--\nBob Baker\nNorthwind Trading\n\n" + "\n".join(
            ["On Mon, 7 Dec 2026 at 10:04, Alice Archer <alice.archer@example.com> wrote:",
             "", "> Hi Bob,", ">", "> Could you check whether the hall on Market Street is"
             " free on 14 March? We", "> need room for about forty people."]
        ) + "\n"  # fmt: skip
        yield make_case(
            f"gmail-{key}-dashdash-no-space", "gmail", EN, "signature_delimited", reply,
            parts="plain", plain=plain,
        )  # fmt: skip


_CLOSINGS = (
    ("en-regards", EN, "Yes, that works.\n\nRegards,\nBob"),
    ("en-cheers", EN, "Great news, thanks for sorting it!\n\nCheers,\nB."),
    ("en-emdash", EN, "Will do.\n\n—Bob"),
    ("en-thanks-in-advance", EN,
     "Could you send me the invoice as a PDF?\n\nThanks in advance,\nBob"),
    ("de-mfg", DE, "Vielen Dank für die schnelle Antwort.\n\nMit freundlichen Grüßen\nJonas Weber"),
    ("fr-cordialement", FR, "Je confirme ma présence.\n\nCordialement,\nLuc Bernard"),
    ("es-abrazo", ES, "¡Genial, gracias!\n\nUn abrazo,\nPablo"),
    ("nl-groet", NL, "Dank je, tot zaterdag.\n\nGroet,\nDaan"),
)  # fmt: skip


def closings() -> Iterator[Case]:
    for n, (key, lang, text) in enumerate(_CLOSINGS):
        client = ("gmail", "outlook", "apple")[n % 3]
        yield make_case(
            f"{client}-{key}-closing", client, lang, "closing",
            Reply(text, _quote(client, lang), wrap=client == "gmail"),
        )  # fmt: skip


_TAGLINES = (
    ("ipad", "apple", "Sent from my iPad", "Fine by me."),
    ("mail-windows", "outlook", "Sent from Mail for Windows", "I've updated the spreadsheet."),
    ("galaxy-plain", "android", "Sent from my Samsung Galaxy smartphone.", "Call you in 5."),
    ("huawei", "android", "Sent from my HUAWEI P30", "Yes please."),
    ("outlook-plain", "outlook", "Sent from Outlook", "Thanks, got it."),
    ("iphone-typos", "apple", "Sent from my iPhone. Please excuse any typos.",
     "Running 10 min late"),
    ("blackberry", "android", "Sent from my BlackBerry 10 smartphone.", "Ack."),
    ("gmail-mobile", "gmail", "Sent from my mobile", "On the train, will read tonight."),
)  # fmt: skip


def taglines() -> Iterator[Case]:
    for key, client, tagline, text in _TAGLINES:
        yield make_case(
            f"{client}-en-tagline-{key}", client, EN, "mobile_tagline",
            Reply(text, _quote(client, EN), tagline=tagline),
            parts="plain" if client == "android" else "both",
        )  # fmt: skip


_PROSE = (
    ("laptop", "Sent from my work laptop, so the attachment is in the shared folder instead of"
     " here. Look under Events > 2027."),
    ("airport", "Sent from the airport, boarding now. I land at 6 - call me after that."),
    ("phone-start", "Sent this from my phone earlier but it bounced, so again: the hall is free."),
    ("get-outlook", "Get Outlook for iOS installed on the front-desk tablet before the event,"
     " please - the old app keeps crashing."),
)  # fmt: skip

_NUMBERS = (
    ("order", "Order 4471-2290-18 has shipped. Tracking: 1Z 999 AA1 01 2345 6784."),
    ("phone", "Call me on +44 20 7946 0958 or 07700 900123 after 2pm."),
    ("invoice", "Invoice #2026-1187 (ref 00421/B) was paid on 07/12/2026."),
    ("datetime", "The backup on 07/12/2026 10:04 failed, see ticket 88123.\nI'm rerunning it now."),
    ("amounts", "Totals:\n- venue: £400.00\n- catering: £320.50\n- total: £720.50"),
    ("de-iban", "Bitte überweise die 120,00 € auf DE89 3704 0044 0532 0130 00."),
    ("fr-numbers", "Le code du portail est 4821, et mon numéro est le 06 12 34 56 78."),
)  # fmt: skip


def prose_and_numbers() -> Iterator[Case]:
    for n, (key, text) in enumerate(_PROSE):
        client = ("gmail", "outlook", "apple", "gmail")[n]
        yield make_case(
            f"{client}-en-prose-{key}", client, EN, "sent_from_prose",
            Reply(text, _quote(client, EN), wrap=client == "gmail"),
            parts="plain" if n % 2 else "both",
        )  # fmt: skip
    for n, (key, text) in enumerate(_NUMBERS):
        lang = DE if key.startswith("de") else FR if key.startswith("fr") else EN
        client = ("gmail", "outlook", "apple")[n % 3]
        yield make_case(
            f"{client}-{lang.code}-numbers-{key}", client, lang, "numbers",
            Reply(text, _quote(client, lang), wrap=client == "gmail"),
            parts="plain" if n % 2 else "both",
        )  # fmt: skip


def sign_off_cases() -> Iterator[Case]:
    yield from signatures()
    yield from closings()
    yield from taglines()
    yield from prose_and_numbers()
