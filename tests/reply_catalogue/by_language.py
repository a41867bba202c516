"""Four cases in each of the 30 languages: a Gmail top-post (both parts), an Outlook
top-post (web or desktop, both parts), an iPhone reply with its tagline, and an HTML-only
reply (Gmail, Outlook or Apple in turn)."""

from __future__ import annotations

from collections.abc import Iterator

from .case import Case, make_case
from .clients import Quote, Reply
from .languages import BY_CODE, LANGUAGES, Language
from .quotes import apple_quote, attribution, gmail_quote, outlook_quote


def _reply(lang: Language, i: int) -> str:
    return lang.replies[i % len(lang.replies)]


def language_cases(lang: Language, n: int) -> Iterator[Case]:
    code = lang.code
    yield make_case(
        f"gmail-{code}-top", "gmail", lang, "top_post",
        Reply(_reply(lang, n), gmail_quote(lang), wrap=True),
        mailer="Gmail",
    )  # fmt: skip
    web = n % 2 == 0
    yield make_case(
        f"outlook-{code}-{'web' if web else 'desktop'}", "outlook", lang, "top_post",
        Reply(_reply(lang, n + 1), outlook_quote(lang, web=web)),
        mailer="Microsoft Outlook 16.0",
    )  # fmt: skip
    yield make_case(
        f"iphone-{code}-tagline", "apple", lang, "mobile_tagline",
        Reply(_reply(lang, n + 2), apple_quote(lang), tagline=lang.iphone),
        mailer="iPhone Mail (22C152)",
    )  # fmt: skip
    kind = ("gmail", "outlook", "apple")[n % 3]
    quote = {
        "gmail": gmail_quote(lang),
        "outlook": outlook_quote(lang, web=True),
        "apple": apple_quote(lang, ios=False),
    }[kind]
    yield make_case(
        f"{kind}-{code}-html-only", kind, lang, "html_only",
        Reply(_reply(lang, n + 1), quote),
        parts="html",
    )  # fmt: skip


def extra_html_cases() -> Iterator[Case]:
    """HTML-only replies from the other quote containers, in some of the languages."""
    for n, code in enumerate(("en", "de", "fr")):
        lang = BY_CODE[code]
        yield make_case(
            f"thunderbird-{code}-html-only", "thunderbird", lang, "html_only",
            Reply(_reply(lang, n), Quote(attribution(lang, lang.apple), lang.original, "moz")),
            parts="html",
        )  # fmt: skip
    for n, code in enumerate(("es", "it", "pt", "pl", "ru", "zh", "ko")):
        lang = BY_CODE[code]
        yield make_case(
            f"outlook-{code}-desktop-html-only", "outlook", lang, "html_only",
            Reply(_reply(lang, n + 2), outlook_quote(lang, web=False)),
            parts="html",
        )  # fmt: skip
    for code, sig in (("en", "Bob Baker\nNorthwind Trading"), ("de", "Jonas Weber\nMusterfirma")):
        lang = BY_CODE[code]
        yield make_case(
            f"gmail-{code}-html-only-signature", "gmail", lang, "html_only",
            Reply(_reply(lang, 0), gmail_quote(lang), signature=sig, delimited=True),
            parts="html",
        )  # fmt: skip
    for n, code in enumerate(("ja", "ko", "he", "ar")):
        lang = BY_CODE[code]
        yield make_case(
            f"iphone-{code}-html-only", "apple", lang, "html_only",
            Reply(_reply(lang, n), apple_quote(lang), tagline=lang.iphone),
            parts="html",
        )  # fmt: skip


def all_language_cases() -> Iterator[Case]:
    for n, lang in enumerate(LANGUAGES):
        yield from language_cases(lang, n)
    yield from extra_html_cases()
