"""Top-posts from the clients with a quote style of their own (Yahoo, Proton, Zoho,
Fastmail, K-9, Spark, Outlook mobile, Gmail for Android, Samsung Email, Thunderbird), and
Outlook's rarer header blocks (From/Sent only, From/Date, "-----Original Message-----")."""

from __future__ import annotations

from collections.abc import Iterator

from .case import Case, make_case
from .clients import Quote, Reply
from .languages import BY_CODE
from .quotes import header_block, outlook_quote

EN, DE, FR = BY_CODE["en"], BY_CODE["de"], BY_CODE["fr"]
ALICE = "Alice Archer <alice.archer@example.com>"


def _q(header: str, style: str, lang=EN, marked: bool = True) -> Quote:
    return Quote(header, lang.original, style, marked=marked)


def other_client_cases() -> Iterator[Case]:
    yield make_case(
        "yahoo-en-desktop", "yahoo", EN, "top_post",
        Reply("Thursday works for me. I'll bring the projector.",
              _q(f"On Monday, December 7, 2026, 10:04:05 AM GMT, {ALICE} wrote:", "yahoo",
                 marked=False)),
    )  # fmt: skip
    yield make_case(
        "yahoo-en-android", "yahoo", EN, "mobile_tagline",
        Reply("Can't make it, sorry. Send me the notes?",
              _q(f"On Mon, Dec 7, 2026 at 10:04 AM, {ALICE} wrote:", "yahoo"),
              tagline="Sent from Yahoo Mail on Android"),
    )  # fmt: skip
    yield make_case(
        "yahoo-en-iphone", "yahoo", EN, "mobile_tagline",
        Reply("Booked. Confirmation number is in the shared calendar.",
              _q(f"On Monday, December 7, 2026, 10:04 AM, {ALICE} wrote:", "yahoo"),
              tagline="Sent from Yahoo Mail for iPhone"),
        parts="html",
    )  # fmt: skip
    yield make_case(
        "yahoo-fr-desktop", "yahoo", FR, "top_post",
        Reply("Bien reçu, je regarde ça demain matin.",
              _q("Le lundi 7 décembre 2026, 10:04:05 UTC, Claire Martin"
                 " <claire.martin@example.fr> a écrit :", "yahoo", FR, marked=False)),
    )  # fmt: skip
    yield make_case(
        "proton-en", "proton", EN, "mobile_tagline",
        Reply("Yes, the hall is ours from 9 to 6. I paid the deposit this morning.",
              _q(f"On Monday, December 7th, 2026 at 10:04, {ALICE} wrote:", "proton"),
              tagline="Sent with Proton Mail secure email."),
    )  # fmt: skip
    yield make_case(
        "proton-de-html-only", "proton", DE, "html_only",
        Reply("Donnerstag um 15 Uhr ist gut. Bis dann!",
              _q("Am Montag, 7. Dezember 2026 um 10:04, Anna Schmidt"
                 " <anna.schmidt@example.de> schrieb:", "proton", DE)),
        parts="html",
    )  # fmt: skip
    yield make_case(
        "zoho-en", "zoho", EN, "top_post",
        Reply("Confirmed for the 14th. The caretaker will open at 8:30.",
              _q(f"---- On Mon, 07 Dec 2026 10:04:05 +0000 {ALICE} wrote ----", "zoho")),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "zoho-en-html-only", "zoho", EN, "html_only",
        Reply("I've asked the caterer for a quote and will forward it when it comes in.",
              _q(f"---- On Mon, 07 Dec 2026 10:04:05 +0000 {ALICE} wrote ----", "zoho")),
        parts="html",
    )  # fmt: skip
    yield make_case(
        "zoho-fr", "zoho", FR, "top_post",
        Reply("Parfait, à mardi.",
              _q("---- Le lun., 07 déc. 2026 10:04:05 +0000 Claire Martin"
                 " <claire.martin@example.fr> a écrit ----", "zoho", FR)),
    )  # fmt: skip
    yield make_case(
        "fastmail-en", "fastmail", EN, "top_post",
        Reply("The hall is free, but only until 5pm on that day.\n\nBob",
              _q("On Mon, 7 Dec 2026, at 10:04, Alice Archer wrote:", "plain")),
    )  # fmt: skip
    yield make_case(
        "k9-en", "k9", EN, "mobile_tagline",
        Reply("Will check on my way home and let you know.",
              _q(f"On December 7, 2026 10:04:05 AM UTC, {ALICE} wrote:", "plain"),
              tagline="Sent from my Android device with K-9 Mail. Please excuse my brevity."),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "k9-de", "k9", DE, "mobile_tagline",
        Reply("Passt, bin dabei.",
              _q("Am 7. Dezember 2026 10:04:05 MEZ schrieb Anna Schmidt"
                 " <anna.schmidt@example.de>:", "plain", DE),
              tagline="Diese Nachricht wurde von meinem Android-Gerät mit K-9 Mail gesendet."),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "spark-en", "spark", EN, "top_post",
        Reply("Sure, I'll sort out the chairs. How many do we need?",
              _q(f"On 7 Dec 2026 at 10:04 +0000, {ALICE}, wrote:", "plain")),
    )  # fmt: skip
    yield make_case(
        "spark-en-tagline", "spark", EN, "mobile_tagline",
        Reply("Forty is fine, the hall takes fifty seated.",
              _q(f"On 7 Dec 2026, 10:04 +0000, {ALICE}, wrote:", "plain"),
              tagline="Sent with Spark"),
    )  # fmt: skip
    yield make_case(
        "outlook-mobile-en-ios", "outlook", EN, "mobile_tagline",
        Reply("Approved, go ahead.", outlook_quote(EN, web=True),
              tagline="Get Outlook for iOS<https://aka.ms/o0ukef>"),
        mailer="Outlook for iOS",
    )  # fmt: skip
    yield make_case(
        "outlook-mobile-en-android", "outlook", EN, "mobile_tagline",
        Reply("I'm out today, will reply properly tomorrow.", outlook_quote(EN, web=True),
              tagline="Get Outlook for Android<https://aka.ms/AAb9ysg>"),
        mailer="Outlook for Android",
    )  # fmt: skip
    yield make_case(
        "android-gmail-en", "gmail", EN, "top_post",
        Reply("Yep, see you there",
              _q("On Mon, 7 Dec 2026, 10:04 Alice Archer, <alice.archer@example.com> wrote:",
                 "gmail")),
        mailer="Gmail for Android",
    )  # fmt: skip
    samsung = "\n".join(
        ["-------- Original message --------", f"From: {ALICE}",
         "Date: 07/12/2026 10:04 (GMT+00:00)", "To: Bob Baker <bob@example.org>",
         "Subject: Venue for the spring workshop"]
    )  # fmt: skip
    yield make_case(
        "samsung-en", "android", EN, "mobile_tagline",
        Reply("On my way, 10 minutes.", Quote(samsung, EN.original, "plain", marked=False),
              tagline="Sent from my Galaxy"),
        mailer="Samsung Email",
    )  # fmt: skip
    samsung_de = "\n".join(
        ["-------- Original-Nachricht --------", "Von: Anna Schmidt <anna.schmidt@example.de>",
         "Datum: 07.12.26 10:04 (GMT+01:00)", "An: Jonas Weber <jonas@example.de>",
         "Betreff: Termin für die Jahresplanung"]
    )  # fmt: skip
    yield make_case(
        "samsung-de", "android", DE, "mobile_tagline",
        Reply("Ich bin in zehn Minuten da.", Quote(samsung_de, DE.original, "plain", marked=False),
              tagline="Von meinem Samsung Galaxy Smartphone gesendet."),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "android-en-dashes", "android", EN, "top_post",
        Reply("Running late, start without me.",
              Quote("---- Alice Archer wrote ----", EN.original, "plain", marked=False)),
        parts="plain",
    )  # fmt: skip
    yield from _thunderbird_and_outlook()


def _thunderbird_and_outlook() -> Iterator[Case]:
    yield make_case(
        "thunderbird-en-top", "thunderbird", EN, "top_post",
        Reply("Free on the 14th, I've put a hold on it.",
              _q("On 07/12/2026 10:04, Alice Archer wrote:", "moz")),
        mailer="Mozilla Thunderbird",
    )  # fmt: skip
    yield make_case(
        "thunderbird-de-top", "thunderbird", DE, "top_post",
        Reply("Donnerstag geht, aber erst ab 16 Uhr.",
              _q("Am 07.12.26 um 10:04 schrieb Anna Schmidt:", "moz", DE)),
        parts="plain",
    )  # fmt: skip
    yield make_case(
        "thunderbird-fr-top", "thunderbird", FR, "top_post",
        Reply("Je serai en retard d'une demi-heure, commencez sans moi.",
              _q("Le 07/12/2026 à 10:04, Claire Martin a écrit\u00a0:", "moz", FR)),
    )  # fmt: skip
    yield make_case(
        "outlook-en-from-sent", "outlook", EN, "top_post",
        Reply("Noted, thanks Alice.", outlook_quote(EN, web=True, labels=("from", "sent"))),
    )  # fmt: skip
    yield make_case(
        "outlook-mac-en-from-date", "outlook", EN, "top_post",
        Reply("That's fine by me. Please send the invoice to accounts.",
              outlook_quote(EN, web=False, labels=("from", "date", "to", "subject"))),
        mailer="Microsoft Outlook for Mac 16.91",
    )  # fmt: skip
    yield make_case(
        "outlook-de-from-date", "outlook", DE, "top_post",
        Reply("Freitag um 10 Uhr passt mir.",
              outlook_quote(DE, web=False, labels=("from", "date", "to", "subject"),
                            date_label="Datum")),
        mailer="Microsoft Outlook for Mac 16.91",
    )  # fmt: skip
    text, _ = header_block(EN, ("from", "sent", "to", "subject"))
    yield make_case(
        "outlook-en-original-message", "outlook", EN, "top_post",
        Reply("Yes - please go ahead and book it.",
              Quote("\n".join(["-----Original Message-----", *text]), EN.original, "plain",
                    marked=False)),
        parts="plain",
        mailer="Microsoft Outlook 14.0",
    )  # fmt: skip
    yield make_case(
        "outlook-fr-from-sent", "outlook", FR, "top_post",
        Reply("Merci Claire, c'est noté.",
              outlook_quote(FR, web=True, labels=("from", "sent"))),
        parts="plain",
    )  # fmt: skip
