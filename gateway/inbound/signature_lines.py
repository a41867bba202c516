"""What one line at the end of a reply looks like: prose, a closing, or a signature datum.

Owns ``line_kind`` (a phone number, an email address, a web address, a social handle, a
logo or picture placeholder, a job title, a company, a postal address, a print footer; or
a closing such as "Regards,", a line introducing what follows, a sentence of prose, or a
plain short line such as a name), ``is_name``, ``first_field`` and ``is_notice`` (a
confidentiality notice paragraph).

A line is a datum only when the whole line (or each of its " | "-separated fields) is one:
"call me on 555 0100 tomorrow" is a person's sentence, not a phone line. Patterns are
anchored with bounded repeats and only see lines of at most ``MAX_CANDIDATE`` characters.
The word tables are ``gateway.inbound.signature_words``.

Stdlib only; must not import anything from gateway.store / gateway.core.
"""

from __future__ import annotations

import re

from gateway.inbound.line_kinds import MAX_CANDIDATE
from gateway.inbound.signature_words import (
    CLOSINGS,
    COMPANY_SHORT,
    COMPANY_SUFFIXES,
    FOOTER_NATURE,
    FOOTER_PRINT,
    NOTICE_ACTION,
    NOTICE_ADDRESSEE,
    NOTICE_SECRECY,
    NOTICE_SUBJECT,
    PHONE_LABELS,
    SENTENCE_WORDS,
    STREET_WORDS,
    TITLE_FRAGMENTS,
    TITLE_WORDS,
)
from gateway.inbound.taglines import clean_line

__all__ = ["ANCHORS", "DATA", "first_field", "is_caseless", "is_name", "is_notice", "line_kind"]

PROSE = "prose"
CLOSING = "closing"
INTRO = "intro"  # ends with ":": the person introduces what follows
PLAIN = "plain"
PHONE, EMAIL, URL, SOCIAL = "phone", "email", "url", "social"
LOGO, PICTURE = "logo", "picture"
TITLE, COMPANY, ADDRESS, FOOTER = "title", "company", "address", "footer"
# Kinds that say "signature" by themselves; ANCHORS are the contact ones among them.
DATA = frozenset((PHONE, EMAIL, URL, SOCIAL, LOGO, PICTURE, TITLE, COMPANY, ADDRESS, FOOTER))
ANCHORS = frozenset((PHONE, EMAIL, URL, SOCIAL, LOGO, PICTURE))
_RANK = (PHONE, EMAIL, URL, SOCIAL, LOGO, COMPANY, TITLE, ADDRESS)
# The data a line may end with a full stop after ("Example Inc.", "ext. 12.").
_ENDS_WITH_A_DOT = frozenset((PHONE, EMAIL, URL, SOCIAL, COMPANY))

_SENTENCE_END = tuple(".!?。！？…")
_POSTSCRIPT = ("ps:", "ps ", "p.s", "pps", "p.p.s", "ps.", "ps-", "nb:", "n.b.")
_PROSE_WORDS = 5  # a line ending a sentence with this many words is prose
_LONG_WORDS = 13  # so is any line of this many words that is no datum
_LONG_CHARS = 110
_FIELD_WORDS = 10
_NOTICE_WORDS = 16  # a notice is a paragraph: at least this many words...
_NOTICE_CHARS = 50  # ...or characters, in scripts written without spaces

_FIELDS = re.compile(r"\s+[|•·◦▪∙/]\s+|\s+[-–—]\s+|\s{3,}|\t+|\s*[|•·]\s*(?=\S)")
# An image a mail client left as text: an Outlook signature's "[cid:image001.png@...]"
# is a logo; "[image: Logo]" (Gmail writes the image's name) may be a picture the person
# put in, so it is a datum like a phone number, not a signature by itself.
_LOGO = re.compile(
    r"\[cid:[^\]]{1,250}\]|<?image\d{3}\.(?:png|jpe?g|gif)(?:@[\w.]{1,40})?>?", re.IGNORECASE
)
_PICTURE = re.compile(
    r"\[(?:image|logo|inline|grafik|bild|immagine|imagen|imagem|afbeelding|obraz|kép"
    r"|изображение|图片|画像)[^\]]{0,250}\]"
    r"|\[[^\]]{0,250}description automatically generated\]",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?:(?P<label>[^\W\d_]{1,12}(?:[./][^\W\d_]{1,8})?)\.?\s*[:：.]?\s*)?"
    r"(?P<number>\+?\(?\d[\d ().\-/]{5,24}\d)"
    r"(?:\s*(?:x|ext\.?|dw\.?|durchwahl|poste)\s*\d{1,6})?"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_EMAIL = re.compile(
    r"(?:[^\W\d_]{1,10}(?:[-.][^\W\d_]{1,6})?\s*[:：.]?\s*)?(?:mailto:)?"
    r"<?[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}>?"
)
_URL = re.compile(
    r"(?:[^\W\d_]{1,10}\s*[:：]\s*)?<?(?P<scheme>https?://)?(?P<host>(?:www\.)?"
    r"[\w-]{1,63}(?:\.[\w-]{1,63}){0,4}\.(?P<tld>[a-z]{2,12}))(?P<path>/[^\s<>]{0,120})?>?",
    re.IGNORECASE,
)
_TLDS = frozenset(
    (
        "com", "org", "net", "io", "co", "de", "fr", "es", "it", "nl", "se", "dk", "no", "fi",
        "pl", "cz", "sk", "hu", "ro", "ru", "ua", "bg", "gr", "tr", "il", "ae", "sa", "ir",
        "cn", "jp", "kr", "vn", "id", "th", "uk", "eu", "info", "biz", "me", "app", "dev",
        "ai", "at", "ch", "be", "pt", "br", "mx", "ca", "us", "au", "nz", "in", "tech", "ie",
        "lu", "is", "ee", "lv", "lt", "si", "hr", "rs", "ar", "cl", "sg", "hk", "tw", "my",
        "ph", "za", "online", "agency", "studio",
    )
)  # fmt: skip
_SOCIAL_HOSTS = (
    "linkedin.", "twitter.", "x.com", "facebook.", "instagram.", "github.", "xing.",
    "youtube.", "t.me", "mastodon", "bsky.", "tiktok.", "threads.",
)  # fmt: skip
_SOCIAL = re.compile(
    r"(?:linkedin|twitter|facebook|instagram|github|xing|youtube|mastodon|bluesky|tiktok"
    r"|telegram|skype|x)(?:\s*[:：|]\s*@?[\w./-]{1,80})?|@[\w.]{2,30}",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"  # UK
    r"|\b[A-Z]{2} \d{5}(?:-\d{4})?\b"  # US
    r"|(?:^|,\s*|\b[A-Z]{1,2}-)\d{4,5} [^\W\d_]"  # DE, FR, IT, ES, AT, CH, NL numbers
    r"|\b\d{4} ?[A-Z]{2}\b"  # NL
    r"|\b\d{2}-\d{3} [^\W\d_]"  # PL
    r"|\b\d{3} \d{2} [^\W\d_]"  # SE, CZ, SK
    r"|〒\d{3}-\d{4}"
)
_STREET_ENDINGS = ("straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "straat")
_NAME_PARTICLES = frozenset(("van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "bin"))
_CASELESS = re.compile(r"[\u0590-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def line_kind(text: str) -> str:
    """The kind of one non-blank line (see the module docstring)."""
    if len(text) > MAX_CANDIDATE:
        return PROSE
    line = " ".join(text.translate(_INVISIBLE).split())
    if not line:
        return PLAIN
    lowered = line.casefold()
    if lowered.rstrip(" ,.!:;-–—。！、，") in CLOSINGS:
        return CLOSING
    if lowered.startswith(_POSTSCRIPT):
        return INTRO  # "P.S. new address:" and what follows it are the person's
    if _LOGO.fullmatch(line):
        return LOGO
    if _PICTURE.fullmatch(line):
        return PICTURE
    if any(word in lowered for word in FOOTER_NATURE) and any(
        word in lowered for word in FOOTER_PRINT
    ):
        return FOOTER  # "Please consider the environment before printing this email."
    words = len(line.split())
    sentence = line.endswith(_SENTENCE_END) and words >= _PROSE_WORDS
    if sentence and _field_kind(_FIELDS.split(line)[-1].strip()) not in _ENDS_WITH_A_DOT:
        return PROSE  # "We hired a new engineer." is no title line ("ACME Inc." ends one)
    data = _data_kind(line)
    if data is not None:
        return data
    if sentence:
        return PROSE
    if words >= _LONG_WORDS or len(line) > _LONG_CHARS:
        return PROSE
    if line.endswith((":", "：")):
        return INTRO
    return PLAIN


def is_name(text: str) -> bool:
    """Could this line be a person's name ("Bob Smith", "J. van Dijk", "王伟")?"""
    line = clean_line(text) if len(text) <= MAX_CANDIDATE else ""
    words = text.split()
    if not line or len(words) > 5 or len(line) > 50 or any(ch.isdigit() for ch in line):
        return False
    if text.rstrip().endswith(("!", "?")) or (len(words) == 1 and text.rstrip().endswith(".")):
        return False  # "Ok.", "Thanks!"
    if _CASELESS.search(text):
        return len(words) <= 4 and not text.rstrip().endswith(_SENTENCE_END)
    for word in words:
        word = word.strip(",")
        if not word[:1].isupper() and word.casefold() not in _NAME_PARTICLES:
            return False
    return True


def is_caseless(text: str) -> bool:
    """Is this written (in part) in a script without capital letters (Hebrew, Arabic,
    Thai, Chinese, Japanese, Korean)?"""
    return _CASELESS.search(text[:MAX_CANDIDATE]) is not None


def first_field(text: str) -> str:
    """The line's first " | "-separated field ("Bob Baker" in "Bob Baker | Operations")."""
    if len(text) > MAX_CANDIDATE:
        return text
    return _FIELDS.split(text.strip(), maxsplit=1)[0]


def is_notice(paragraph: str) -> bool:
    """Is this paragraph a confidentiality notice? At paragraph length, it must speak of
    the mail itself, its secrecy, the one it was meant for (or its delivery in error) and
    what to do: a person may well write two or three of these, hardly all four."""
    lowered = paragraph[:2000].casefold()
    if len(lowered.split()) < _NOTICE_WORDS and not (
        _CASELESS.search(lowered) and len(lowered) >= _NOTICE_CHARS
    ):
        return False
    return all(
        any(word in lowered for word in family)
        for family in (NOTICE_SECRECY, NOTICE_ADDRESSEE, NOTICE_ACTION, NOTICE_SUBJECT)
    )


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"), None) | {
    0xA0: " ",
    0x202F: " ",
}


def _data_kind(line: str) -> str | None:
    """The datum a line holds, if each of its fields is one (or a word or two beside one:
    "Senior Engineer | ACME")."""
    fields = [field for field in _FIELDS.split(line) if field and field.strip()]
    if not fields or len(fields) > 8:
        return None
    found: list[str] = []
    loose = 0
    for field in fields:
        kind = _field_kind(field.strip())
        if kind is None:
            if len(field.split()) > 4:
                return None
            loose += 1
        else:
            found.append(kind)
    # "Bob Baker | Facilities | Northwind | +44 20 7946 0958": loose words beside a contact.
    if not found or (loose > len(found) and ANCHORS.isdisjoint(found)):
        return None
    if len(line.split()) > 16:
        return None
    return min(found, key=_RANK.index)


def _field_kind(field: str) -> str | None:
    words = field.split()
    if len(words) > _FIELD_WORDS:
        return None
    if _is_phone(field):
        return PHONE
    if "@" in field:
        if _EMAIL.fullmatch(field):
            return EMAIL
        if _SOCIAL.fullmatch(field):
            return SOCIAL
    url = _url_kind(field)
    if url is not None:
        return url
    if _SOCIAL.fullmatch(field) and len(field) > 1 and field.casefold() != "x":
        return SOCIAL
    if not SENTENCE_WORDS.isdisjoint(word.casefold() for word in words):
        return None  # "Meet at Room 4, Building 2", "We bought it from Northwind Ltd"
    if _is_company(field, words):
        return COMPANY
    if _is_title(field, words):
        return TITLE
    if _is_address(field, words):
        return ADDRESS
    return None


def _is_phone(field: str) -> bool:
    if sum(ch.isdigit() for ch in field) < 7:
        return False
    match = _PHONE.fullmatch(field)
    if match is None or _DATE.fullmatch(match.group("number").strip()):
        return False
    digits = sum(ch.isdigit() for ch in match.group("number"))
    if not 7 <= digits <= 15:
        return False
    label = match.group("label")
    return label is None or label.casefold().rstrip(".") in PHONE_LABELS


def _url_kind(field: str) -> str | None:
    match = _URL.fullmatch(field)
    if match is None:
        return None
    host = match.group("host").casefold()
    if any(social in host for social in _SOCIAL_HOSTS):
        return SOCIAL
    explicit = match.group("scheme") or host.startswith("www.")
    if not explicit and match.group("tld").casefold() not in _TLDS:
        return None  # "report.pdf", "node.js"
    path = (match.group("path") or "").rstrip("/")
    # A signature links a home page; a long path is a link the person shares.
    if path.count("/") > 1 or "?" in path or len(path) > 24:
        return None
    return URL


def _is_company(field: str, words: list[str]) -> bool:
    if len(words) < 2:
        return False
    lowered = field.casefold().rstrip(" ,")
    if any(lowered.endswith(" " + suffix) for suffix in COMPANY_SUFFIXES):
        return True
    return words[-1].rstrip(".,") in COMPANY_SHORT and words[0][:1].isupper()


def _is_title(field: str, words: list[str]) -> bool:
    if len(field) > 80 or field.endswith(_SENTENCE_END[1:]):
        return False
    tokens = {word.strip(",.;:()[]").casefold() for word in words}
    if tokens & TITLE_WORDS or "head of" in field.casefold():
        return True
    return any(fragment in field for fragment in TITLE_FRAGMENTS)


def _is_address(field: str, words: list[str]) -> bool:
    if len(words) > 10 or not any(ch.isdigit() for ch in field):
        return False
    if any(word.casefold() in ("at", "to", "from", "for") for word in words):
        return False  # "Meet at Room 4": a sentence (a title may say "Engineer at ACME")
    if _POSTCODE.search(field):
        return True
    for word in words:
        token = word.strip(",;").casefold()
        if token in STREET_WORDS or token.endswith(_STREET_ENDINGS):
            return True
    return False
