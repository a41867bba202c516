"""Closing lines: "Regards,", "Thanks, Bob", "Mit freundlichen Grüßen" and their kin.

Owns the test of whether a short line is a closing, alone or with the name after it on the
same line; the phrases are ``signature_words.CLOSINGS`` (30 languages). A closing is the
person's own words: it stays in the reply even where it sits under a quote.
"""

from __future__ import annotations

import re

from gateway.inbound.match_text import match_form
from gateway.inbound.signature_words import CLOSINGS

# A closing line is short; longer lines are prose that happens to start with "Thanks".
_MAX_CLOSING = 60
_PUNCTUATION = " ,.!:;-–—。！、，،"
# "Thanks, Bob": the closing, a comma or "!", and a name of at most three words.
_WITH_NAME = re.compile(r"([^,!，،]{1,40})[,!，،]\s*([^\W\d_][\w.'’-]*(?:\s[\w.'’-]+){0,2})")


def is_closing(line: str) -> bool:
    """Is this line a closing ("Regards,", "Thanks, Bob", "Mit freundlichen Grüßen")?"""
    text = " ".join(match_form(line).split()).casefold()
    if not text or len(text) > _MAX_CLOSING:
        return False
    if text.rstrip(_PUNCTUATION) in CLOSINGS:
        return True
    named = _WITH_NAME.fullmatch(text.rstrip(_PUNCTUATION))
    return named is not None and named.group(1).strip() in CLOSINGS
