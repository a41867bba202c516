"""Signatures without a delimiter and mobile taglines, in plain-text replies.

The person's words, their closing and the name under it always stay; a signature block
(title, company, phone, address, links, logo placeholders, confidentiality notices) and a
phone's tagline go to ``elided``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.inbound.line_kinds import TEXT
from gateway.inbound.reply_lines import build_units
from gateway.inbound.reply_text import ReplyText, extract_reply_text
from gateway.inbound.signatures import cut_signature
from gateway.inbound.taglines import TAGLINES, is_tagline

# --- mobile and mail-app taglines -------------------------------------------------------------

TAGLINES_BY_LANGUAGE = {
    "en": "Sent from my iPhone",
    "de": "Von meinem iPhone gesendet",
    "fr": "Envoyé de mon iPhone",
    "es": "Enviado desde mi iPhone",
    "it": "Inviato da iPhone",
    "pt": "Enviado do meu iPhone",
    "nl": "Verzonden vanaf mijn iPhone",
    "sv": "Skickat från min iPhone",
    "da": "Sendt fra min iPhone",
    "nb": "Sendt fra min iPad",
    "fi": "Lähetetty iPhonesta",
    "pl": "Wysłane z iPhone'a",
    "cs": "Odesláno z iPhonu",
    "sk": "Odoslané z iPhonu",
    "hu": "Elküldve az iPhone-omról",
    "ro": "Trimis de pe iPhone",
    "ru": "Отправлено с iPhone",
    "uk": "Надіслано з iPhone",
    "bg": "Изпратено от моя iPhone",
    "el": "Στάλθηκε από το iPhone μου",
    "tr": "iPhone'umdan gönderildi",
    "he": "נשלח מה-iPhone שלי",
    "ar": "أُرسلت من الـ iPhone",
    "fa": "ارسال شده از iPhone",
    "zh": "从我的iPhone发送",
    "ja": "iPhoneから送信",
    "ko": "iPhone에서 보냄",
    "vi": "Được gửi từ iPhone của tôi",
    "id": "Dikirim dari iPhone saya",
    "th": "ส่งจาก iPhone ของฉัน",
}

MORE_TAGLINES = [
    "Get Outlook for Android",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "Get Outlook for iOS (https://aka.ms/o0ukef)",
    "Get [Outlook for Android](https://aka.ms/ghei36)",
    "Outlook für iOS beziehen<https://aka.ms/o0ukef>",
    "Obtenir Outlook pour Android",
    "Sent from Yahoo Mail on Android",
    "Sent from Yahoo Mail for iPhone",
    "Sent from my Galaxy",
    "Sent from my Samsung Galaxy smartphone.",
    "Sent from my Verizon, Samsung Galaxy smartphone",
    "Sent from Mail for Windows",
    "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows 10",
    "Sent from ProtonMail mobile",
    "Sent with Proton Mail secure email.",
    "Sent with Spark",
    "Sent from Superhuman",
    "Sent from my iPhone.",
    "Sent from my iPhone, please excuse typos",
    "Sent from my phone. Please excuse any typos.",
    "*Sent from my iPhone*",
    "(Sent from my mobile device)",
    "Verstuurd vanaf mijn iPhone",
    "Gesendet von meinem iPhone",
    "Von meinem Samsung Galaxy Smartphone gesendet.",
    "Enviado desde mi teléfono Huawei",
    "Enviado do meu celular",
    "Inviato dal mio dispositivo Galaxy",
    "Отправлено из мобильной Почты Mail.ru",
    "從我的 iPhone 傳送",
    "发自我的iPhone",
    "Xperiaから送信",
    "Galaxy S23에서 보냄",
    "Enviado desde Yahoo Mail para Android",
    "Von Yahoo Mail auf Android gesendet",
    "Envoyé à partir de Courrier pour Windows",
    "Skickades från E-post för Windows",
    "Wysłane z aplikacji Poczta dla systemu Windows",
    "Samsung Galaxy 스마트폰에서 보냄",
    "مرسل من هاتفي",
    "Gesendet mit Spark",
    "Sent via Superhuman",
    "Trimis de pe iPhone-ul meu",
    "Lähetetty Android-laitteesta",
]

# Invisible characters clients leave around a tagline.
INVISIBLE_AROUND = [
    "\u200bSent from my iPhone",
    "Sent from my iPhone\u200b",
    "\u200eSent\u00a0from\u00a0my\u00a0iPhone",
    "\u200fנשלח מה\u2011iPhone שלי\u200f",
    "\ufeffVon meinem iPhone gesendet\u00a0",
    "\u202bأُرسلت من الـ iPhone\u202c",
]


def test_there_is_a_tagline_table_for_each_of_the_30_languages() -> None:
    assert set(TAGLINES) == set(TAGLINES_BY_LANGUAGE)
    assert len(TAGLINES) == 30


@pytest.mark.parametrize(("language", "tagline"), sorted(TAGLINES_BY_LANGUAGE.items()))
def test_iphone_tagline_in_each_language_is_elided(language: str, tagline: str) -> None:
    reply = extract_reply_text(f"Yes, see you at six.\n\n{tagline}\n")

    assert reply == ReplyText(text="Yes, see you at six.", elided=tagline)


@pytest.mark.parametrize("tagline", MORE_TAGLINES + INVISIBLE_AROUND)
def test_app_and_device_taglines_are_elided(tagline: str) -> None:
    reply = extract_reply_text(f"Works for me.\n\n{tagline}\n")

    assert reply.text == "Works for me."
    assert reply.elided == tagline.strip()


def test_tagline_above_the_quote_is_elided_with_it() -> None:
    body = "Ja, passt.\n\nVon meinem iPhone gesendet\n\n> Passt dir Dienstag?\n"

    reply = extract_reply_text(body)

    assert reply.text == "Ja, passt."
    assert reply.elided == "Von meinem iPhone gesendet\n\n> Passt dir Dienstag?"


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my work laptop, so the numbers are rough",
        "Sent from my phone, so the numbers are rough.",
        "Sent from my phone. Call me when you land",
        "Sent with love",
        "Sent with love, Ann",
        "Sent by courier this morning",
        "Gesendet von Anna",
        "Von Anna gesendet, nicht von mir",
        "Envoyé de mon bureau ce matin, les chiffres sont provisoires.",
        "Enviado desde la oficina, mañana te llamo",
        "From my point of view, it is fine",
    ],
)
def test_prose_that_starts_like_a_tagline_is_kept(line: str) -> None:
    body = f"The report is attached.\n\n{line}\n"

    assert not is_tagline(line)
    assert extract_reply_text(body).text == body.strip()


def test_sent_from_my_line_followed_by_more_text_is_kept() -> None:
    body = "Sent from my iPhone\nbecause the laptop died, sorry.\n"

    assert extract_reply_text(body).text == body.strip()


def test_a_bare_tagline_is_an_empty_reply() -> None:
    assert extract_reply_text("Skickat från min iPhone\n") == ReplyText(
        "", "Skickat från min iPhone"
    )


# --- signature blocks without a delimiter ----------------------------------------------------

# (body, the reply the person wrote): every case's signature must be cut below the name.
CORPORATE = [
    pytest.param(
        "Thanks, the numbers look right.\n\nRegards,\nBob Smith\nSenior Engineer | ACME\n"
        "+1 555 0100\n",
        "Thanks, the numbers look right.\n\nRegards,\nBob Smith",
        id="en-closing-title-phone",
    ),
    pytest.param(
        "I'll call you tomorrow.\n\nBob Smith\nSenior Engineer\nACME Ltd\n"
        "T: +44 20 7946 0958\nwww.acme.com\n",
        "I'll call you tomorrow.\n\nBob Smith",
        id="en-no-closing",
    ),
    pytest.param(
        "OK, I'll check.\n\nBest,\nAnn\n\nAnn Lee | Product Manager | Example Inc.\n"
        "ann@example.com | +1 (415) 555-0199\nlinkedin.com/in/annlee\n",
        "OK, I'll check.\n\nBest,\nAnn",
        id="en-outlook-one-line-fields",
    ),
    pytest.param(
        "Thanks for your email, the numbers look right.\n\nBob Smith\nSenior Engineer\n"
        "T: +44 20 7946 0958\n",
        "Thanks for your email, the numbers look right.\n\nBob Smith",
        id="en-prose-mentioning-numbers-above",
    ),
    pytest.param(
        "Sounds good to me, ship it.\n\nThanks\nKen\nCTO, Startup Inc.\nken@startup.io\n",
        "Sounds good to me, ship it.\n\nThanks\nKen",
        id="en-title-and-email",
    ),
    pytest.param(
        "Passt, danke.\n\nMit freundlichen Grüßen\nHans Müller\nVertriebsleiter\n"
        "Beispiel GmbH\nHauptstraße 5\n10115 Berlin\nTel.: +49 30 1234567\n"
        "Mob. 0171 1234567\nwww.beispiel.de\n",
        "Passt, danke.\n\nMit freundlichen Grüßen\nHans Müller",
        id="de",
    ),
    pytest.param(
        "Merci pour votre retour.\n\nCordialement,\nMarie Dupont\nDirectrice commerciale\n"
        "Exemple SAS\n12 rue de la Paix, 75002 Paris\nTél : +33 1 23 45 67 89\n",
        "Merci pour votre retour.\n\nCordialement,\nMarie Dupont",
        id="fr",
    ),
    pytest.param(
        "Perfecto, lo reviso mañana.\n\nSaludos cordiales,\nLucía García\n"
        "Gerente de Ventas\nEjemplo S.L.\nTel. +34 912 345 678\nwww.ejemplo.es\n",
        "Perfecto, lo reviso mañana.\n\nSaludos cordiales,\nLucía García",
        id="es",
    ),
    pytest.param(
        "Dzięki, wszystko jasne.\n\nPozdrawiam\nJan Kowalski\nKierownik projektu\n"
        "Przykład Sp. z o.o.\nul. Długa 5, 00-950 Warszawa\ntel. +48 22 123 45 67\n",
        "Dzięki, wszystko jasne.\n\nPozdrawiam\nJan Kowalski",
        id="pl",
    ),
    pytest.param(
        "Счёт во вложении.\n\nС уважением,\nИван Петров\nМенеджер по продажам\n"
        "ООО «Пример»\nТел.: +7 495 123-45-67\n",
        "Счёт во вложении.\n\nС уважением,\nИван Петров",
        id="ru",
    ),
    pytest.param(
        "Tack, det ser bra ut.\n\nMed vänliga hälsningar\nAnna Svensson\nProjektledare\n"
        "Exempel AB\nTel: +46 8 123 456 78\n",
        "Tack, det ser bra ut.\n\nMed vänliga hälsningar\nAnna Svensson",
        id="sv",
    ),
    pytest.param(
        "Grazie, tutto chiaro.\n\nCordiali saluti\nMarco Rossi\nResponsabile acquisti\n"
        "Esempio S.r.l.\nVia Roma 10, 20121 Milano\nCell. +39 333 123 4567\n",
        "Grazie, tutto chiaro.\n\nCordiali saluti\nMarco Rossi",
        id="it",
    ),
    pytest.param(
        "Prima, dan plannen we het zo in.\n\nMet vriendelijke groet,\nPieter de Vries\n"
        "Projectleider\nVoorbeeld B.V.\nT +31 20 123 4567\n",
        "Prima, dan plannen we het zo in.\n\nMet vriendelijke groet,\nPieter de Vries",
        id="nl",
    ),
    pytest.param(
        "Tamam, yarın bakarım.\n\nSaygılarımla,\nAyşe Yılmaz\nSatış Müdürü\n"
        "Örnek A.Ş.\nTel: +90 212 123 45 67\n",
        "Tamam, yarın bakarım.\n\nSaygılarımla,\nAyşe Yılmaz",
        id="tr",
    ),
    pytest.param(
        "Agreed, let's go with option B.\n\nJane Doe\nHead of Operations\n\n"
        "This email and any attachments are confidential and intended solely for the\n"
        "addressee. If you have received it in error, please notify the sender and delete\n"
        "it.\n",
        "Agreed, let's go with option B.\n\nJane Doe",
        id="en-legal-notice",
    ),
    pytest.param(
        "Ok.\n\nDiese E-Mail enthält vertrauliche und/oder rechtlich geschützte "
        "Informationen. Wenn Sie nicht der richtige Adressat sind oder diese E-Mail "
        "irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und "
        "vernichten Sie diese Mail.\n",
        "Ok.",
        id="de-legal-notice-alone",
    ),
    pytest.param(
        "Sounds good to me.\n\nThanks,\nBob\n\nBob Baker\nHead of Facilities\n",
        "Sounds good to me.\n\nThanks,\nBob",
        id="en-first-name-then-full-name-and-title",
    ),
    pytest.param(
        "Deposit paid.\n\nBest,\nBob\n\n"
        "Bob Baker | Facilities | Northwind Trading | +44 20 7946 0958\n",
        "Deposit paid.\n\nBest,\nBob",
        id="en-one-line-with-pipes",
    ),
    pytest.param(
        "Anbei die Zahlen.\n\nViele Grüße\nJonas\n\nJonas Weber\n"
        "Musterfirma GmbH | Geschäftsführer: Max Muster | Amtsgericht Berlin HRB 12345\n",
        "Anbei die Zahlen.\n\nViele Grüße\nJonas",
        id="de-imprint-line",
    ),
    pytest.param(
        "承知しました。\n\nよろしくお願いします。\n山田太郎\n株式会社サンプル 営業部\n"
        "Tel: 03-1234-5678\n",
        "承知しました。\n\nよろしくお願いします。\n山田太郎",
        id="ja",
    ),
    pytest.param(
        "好的，没问题。\n\n谢谢\n王伟\n销售总监 | 示例有限公司\n电话：+86 10 1234 5678\n",
        "好的，没问题。\n\n谢谢\n王伟",
        id="zh",
    ),
    pytest.param(
        "تمام، شكرا.\n\nمع تحياتي\nليلى حسن\nمدير المبيعات\nهاتف: +971 4 123 4567\n",
        "تمام، شكرا.\n\nمع تحياتي\nليلى حسن",
        id="ar",
    ),
    pytest.param(
        "בסדר גמור.\n\nבברכה,\nדנה כהן\nמנהלת מכירות\nטל: 03-1234567\n",
        "בסדר גמור.\n\nבברכה,\nדנה כהן",
        id="he",
    ),
    pytest.param(
        "네, 확인했습니다.\n\n감사합니다.\n김민수\n영업팀장 | 샘플 주식회사\n"
        "Tel: +82 2 1234 5678\n",
        "네, 확인했습니다.\n\n감사합니다.\n김민수",
        id="ko",
    ),
    pytest.param(
        "Rendben, köszönöm.\n\nÜdvözlettel,\nKovács Anna\nÜgyvezető igazgató\nPélda Kft.\n"
        "Tel.: +36 1 234 5678\n",
        "Rendben, köszönöm.\n\nÜdvözlettel,\nKovács Anna",
        id="hu",
    ),
    pytest.param(
        "Thanks!\n\nBob\n\n[cid:image001.png@01D9A1B2.C3D4E5F0]\n",
        "Thanks!\n\nBob",
        id="outlook-logo-placeholder",
    ),
    pytest.param(
        "See attached.\n\nKind regards,\nTom\n[image: Logo]\nTom Baker | Director\n"
        "M: 07700 900123\n",
        "See attached.\n\nKind regards,\nTom",
        id="gmail-image-placeholder",
    ),
    pytest.param(
        "Yes\n\nBob Smith\nSenior Engineer | ACME\n+1 555 0100\n",
        "Yes\n\nBob Smith",
        id="short-reply-then-signature",
    ),
    pytest.param(
        "Let me know\nT: +44 20 7946 0958\nE: bob@acme.com\n",
        "Let me know",
        id="contact-lines-without-name",
    ),
    pytest.param(
        "Will do.\n\nBest,\nSam\n\nPlease consider the environment before printing this email.\n",
        "Will do.\n\nBest,\nSam",
        id="print-footer",
    ),
]


@pytest.mark.parametrize(("body", "text"), CORPORATE)
def test_signature_block_is_cut_below_the_name(body: str, text: str) -> None:
    reply = extract_reply_text(body)

    assert reply.text == text
    assert reply.elided and body.strip().endswith(reply.elided.splitlines()[-1])


def test_signature_above_a_quote_is_cut_and_the_quote_elided() -> None:
    body = (
        "Confirmed for Thursday.\n\nRegards,\nBob Smith\nSenior Engineer | ACME\n"
        "T: +44 20 7946 0958\n\nOn Mon, 23 Nov 2026 at 10:00, Ann <ann@example.com> wrote:\n"
        "> Does Thursday work?\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "Confirmed for Thursday.\n\nRegards,\nBob Smith"
    assert reply.elided.startswith("Senior Engineer | ACME\nT: +44 20 7946 0958")


def test_closing_and_name_alone_stay() -> None:
    body = "Thanks, the numbers look right.\n\nRegards,\nBob\n"

    assert extract_reply_text(body) == ReplyText(body.strip(), "")


KEPT = [
    pytest.param("Sure, call me on 555 0100 tomorrow\n", id="phone-in-a-sentence"),
    pytest.param("Sure, call me on +44 20 7946 0958 tomorrow.\n\nBob\n", id="phone-sentence-name"),
    pytest.param("Here are the numbers:\nT: +44 20 7946 0958\nM: +44 7700 900123\n", id="intro"),
    pytest.param("See the updated page\nhttps://docs.acme.com/plan/v2/section\n", id="link"),
    pytest.param("The two links:\n\nhttps://acme.com\nhttps://example.org\n", id="links"),
    pytest.param("Meeting notes\nDirector of Sales\nProduct Manager\n", id="roles"),
    pytest.param(
        "Who is coming:\n\nTeam Alpha\nAnn Lee | Product Manager\nBob Roe | Senior Engineer\n",
        id="people-list-after-intro",
    ),
    pytest.param(
        "Team Alpha\nAnn Lee | Product Manager\nBob Roe | Senior Engineer\n", id="people-list"
    ),
    pytest.param("Docs\nhttps://acme.com\nhttps://example.org\n", id="two-links-under-a-word"),
    pytest.param("Bob Smith\nSenior Engineer | ACME\n+1 555 0100\n", id="only-a-signature"),
    pytest.param(
        "Regards,\nBob\nSome more text I forgot to add\nwhich continues here\nwww.acme.com\n",
        id="loose-lines-after-name",
    ),
    pytest.param(
        "Please keep this confidential until Monday, the board has not seen it yet.\n",
        id="confidential-in-a-sentence",
    ),
    pytest.param(
        "The new office is at 12 Example Street, London EC1A 1BB.\n"
        "Our number there will be +44 20 7946 0958, and the fax goes away.\n",
        id="address-and-phone-in-prose",
    ),
    pytest.param(
        "Regards,\nBob\n\nPS: new address\n12 Example Street\nLondon EC1A 1BB\n",
        id="postscript-with-address",
    ),
    pytest.param("Ok\n\nSent via email\n", id="sent-via-email-is-no-tagline"),
    pytest.param("Here is the chart\n[image: chart.png]\n", id="inline-image-introduced"),
    pytest.param("The error looks like this\n\n[image: image.png]\n", id="inline-picture"),
    pytest.param(
        "Done.\n\nBob Smith\nSenior Engineer\nACME Ltd\nT: +44 20 7946 0958\n\n"
        "Note: I'm out next week\n",
        id="note-under-the-signature",
    ),
    pytest.param(
        "Please ship to\nBob Smith\n12 Example Street\nLondon EC1A 1BB\nT: +44 20 7946 0958\n",
        id="shipping-address-given-on-purpose",
    ),
    pytest.param("Looks fine.\n\nPlease check the layout before printing\n", id="printing"),
    pytest.param(
        "My new number is below\nT: +44 20 7946 0958\nE: bob@newmail.example\n",
        id="contact-details-given-on-purpose",
    ),
    pytest.param(
        "Sure, you can reach me on these\nT: +44 20 7946 0958\nE: bob@newmail.example\n",
        id="reach-me",
    ),
    pytest.param(
        "Sounds good.\n\nMeet at Room 4, Building 2\nT: +44 20 7946 0958\n",
        id="meeting-place-and-phone",
    ),
    pytest.param(
        "The director is out today\nCall the front desk\nT: +44 20 7946 0958\n",
        id="sentence-with-title-word",
    ),
    pytest.param(
        "Thanks for the intro.\n\nI met Bob Smith, Senior Engineer at ACME Ltd, last week.\n"
        "He said to call him at the office.\n",
        id="prose-paragraph-last",
    ),
]


@pytest.mark.parametrize("body", KEPT)
def test_the_persons_words_are_never_cut(body: str) -> None:
    reply = extract_reply_text(body)

    assert reply == ReplyText(body.strip(), "")


def test_answer_under_an_inline_quote_is_kept() -> None:
    body = (
        "> What is your number?\nSure, here it is\nT: +44 20 7946 0958\nE: bob@acme.com\n\n"
        "> And the address?\n12 Example Street\nLondon EC1A 1BB\nT: +44 20 7946 0958\n"
    )

    assert extract_reply_text(body).text == body.strip()


@pytest.mark.parametrize(
    "line",
    [
        "Sent from my iPhone",
        "\u202bأُرسلت من الـ iPhone\u202c",
        "T: +44 20 7946 0958 | M: +44 7700 900123",
        "This email is confidential and intended for the addressee only, delete it if not.",
        "Sent from my a b c d e f g h i j k l",
    ],
)
def test_thousands_of_signature_shaped_lines_are_handled(line: str) -> None:
    body = "Hi.\n" + f"{line}\n" * 9000

    reply = extract_reply_text(body)

    assert reply.text.startswith("Hi.")
    assert len(reply.text) + len(reply.elided) >= len(body.strip()) - 9000


# --- properties ------------------------------------------------------------------------------

SIGNATURE_LINES = st.sampled_from(
    [
        "Regards,",
        "Bob Smith",
        "Senior Engineer | ACME",
        "T: +44 20 7946 0958",
        "Mob. 0171 1234567",
        "www.acme.com",
        "bob@acme.com",
        "[cid:image001.png@01D9A1B2.C3D4E5F0]",
        "ACME Ltd",
        "12 Example Street",
        "This email is confidential and intended for the addressee only, if you are not the"
        " intended recipient delete it.",
        "Sent from my iPhone",
        "> quoted",
        "",
        "--",
        "-- ",
    ]
)
LINES = st.lists(st.one_of(SIGNATURE_LINES, st.text(max_size=60)), max_size=25)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_no_text_raises_and_only_a_suffix_is_cut(lines: list[str]) -> None:
    texts, kinds = build_units(lines, set())
    kept = list(range(len(kinds)))

    cut = cut_signature(texts, kinds, kept)

    assert cut == kept[: len(cut)]
    extract_reply_text("\n".join(lines))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_handled(body: str) -> None:
    reply = extract_reply_text(body)

    assert isinstance(reply.text, str) and len(reply.text) <= len(body)


WORDS = st.sampled_from(
    (
        "the", "plan", "looks", "good", "and", "we", "can", "ship", "it", "next", "week",
        "if", "numbers", "hold", "so", "please", "check", "draft", "call", "Bob", "at",
        "ACME", "about", "office", "phone", "title", "street", "engineer", "regards",
        "+44", "20", "7946", "0958", "www.acme.com", "bob@acme.com", "Ltd", "GmbH",
        "Director", "Senior", "Street", "London", "EC1A", "1BB", "12", "T:", "Mob.",
        "confidential", "recipient", "delete", "[cid:image001.png]",
    )
)  # fmt: skip
SENTENCE = st.tuples(st.lists(WORDS, min_size=5, max_size=14), st.sampled_from(".!?")).map(
    lambda parts: " ".join(parts[0]) + parts[1]
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(PARAGRAPH, min_size=1, max_size=5))
def test_a_reply_of_prose_sentences_is_never_cut(paragraphs: list[str]) -> None:
    body = "\n\n".join(paragraphs).capitalize()

    reply = extract_reply_text(body)

    assert reply == ReplyText(body.strip(), "")


@settings(max_examples=200, deadline=None)
@given(st.lists(PARAGRAPH, min_size=1, max_size=3), st.lists(SIGNATURE_LINES, max_size=10))
def test_prose_above_a_signature_is_always_kept(paragraphs: list[str], tail: list[str]) -> None:
    prose = "\n\n".join(paragraphs)

    reply = extract_reply_text(prose + "\n\n" + "\n".join(tail))

    assert reply.text.startswith(prose)


def test_every_tagline_table_entry_compiles_and_is_anchored() -> None:
    # An anchored pattern never matches a tagline with words before it.
    for tagline in TAGLINES_BY_LANGUAGE.values():
        assert not is_tagline(f"We talked about it and {tagline}")
        assert build_units([tagline], set())[1][0] == TEXT


def test_a_notice_right_under_the_signature_keeps_the_closing_and_the_name() -> None:
    body = (
        "Please find the numbers attached.\n\nBest regards\nBob Baker\nSenior Buyer\n"
        "Baker & Co GmbH | Hauptstraße 12 | 10115 Berlin\nT +49 30 1234567\n"
        "[cid:image001.png@01DB4A2B.5C3E8F10]\nThis message is confidential and intended "
        "only for the addressee. If you received it in error please delete it.\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "Please find the numbers attached.\n\nBest regards\nBob Baker"
    assert reply.elided.endswith("please delete it.")
