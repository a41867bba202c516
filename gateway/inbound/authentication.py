"""What the trusted receiving MTA says about a reply's authenticity, and whether to hold it.

Owns reading `Authentication-Results` header fields (RFC 8601) and the DMARC hold rule of
EMAIL-RULES 1.6 (`dmarc_hold_reason`). Only fields whose authserv-id is the operator's trusted
MTA (GATEWAY_TRUSTED_AUTHSERV_ID) count; every other field is ignored whatever it says
(RFC 8601 section 5: anyone can write one). Of the trusted ones, only the topmost are read:
from the first trusted field down to the next Received field, the one the MTA wrote when the
message came in; trusted-looking fields further down arrived with the message. The MTA itself
must remove forged fields carrying its id (RFC 8601 section 5); this is the second line.

The rule, for the trusted results read:
  - any dmarc=fail                                                          -> hold
  - any dmarc=pass                                                          -> post
  - otherwise (dmarc=none: no DMARC record; temperror, permerror, or no dmarc result at all)
    hold unless SPF or DKIM passed for the From domain: spf=pass whose smtp.mailfrom (else
    smtp.helo) domain is the From domain or a parent or child of it (the relaxed alignment of
    RFC 7489 section 3.1, by label suffix), or dkim=pass whose header.d (else header.i) domain
    is. A pass naming no domain counts: the trusted MTA said pass. Every other result (fail,
    softfail, neutral, none, policy, temperror, permerror) is "not pass".
  - no trusted field at all: the MTA in front did not see this mail (or the id is wrong) -> hold
Reasons are built only from our own words, the configured id and RFC 8601 keywords, so they can
go into records and emails as they are.

The parser is our own and linear: one pass over at most MAX_FIELD_CHARS of a field, each step
consuming a whole token matched without backtracking, comments skipped by a depth counter
(gateway.inbound.mailboxes.read_comment); at most MAX_AUTH_FIELDS fields among the first
MAX_FIELDS_READ header fields are parsed.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from gateway.inbound.mailboxes import read_comment
from gateway.inbound.parsing import ParsedEmail

MAX_FIELD_CHARS = 4096  # of one Authentication-Results field (real ones are a few hundred)
MAX_FIELDS_READ = 200  # header fields looked at from the top
MAX_AUTH_FIELDS = 16  # Authentication-Results fields parsed per message
MAX_RESULTS = 50  # method results kept per field

# RFC 8601 section 2.2: words separated by CFWS (whitespace and comments) and ";". A word may
# hold "=" and "/" ("dkim/1=pass", "header.b=Ab+c/d="): how the words of one resinfo join is
# decided after splitting (`_joined`), since CFWS may also sit on either side of "=".
_TOKEN_RE = re.compile(
    r'"(?P<quoted>(?:[^"\\]+|\\.)*)"?'  # quoted-string (an unclosed one runs to the end)
    r"|;"
    r"|\\.?"  # a stray quoted-pair
    r"|\s+"
    r"|\)"  # a stray comment end
    r'|[^\s;"()\\]+',  # a word
    re.DOTALL,
)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)
# RFC 8601 section 2.2 Keyword (an ldh-str); anything else is not a method or result.
_KEYWORD_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})")

DMARC_FAIL = "fail"
PASS = "pass"


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One resinfo: `dkim=pass header.d=example.org`."""

    method: str  # lowercased, without its version ("dkim/1" -> "dkim")
    result: str  # lowercased keyword
    properties: tuple[tuple[str, str], ...]  # (lowercased "ptype.property", value as written)

    def property(self, name: str) -> str | None:
        return next((value for key, value in self.properties if key == name), None)


@dataclass(frozen=True, slots=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[MethodResult, ...]


def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """One field's value; None when it names no authserv-id. Malformed resinfo is skipped."""
    segments = _segments(value[:MAX_FIELD_CHARS])
    head = segments[0] if segments else []
    if not head or any("=" in word for word in head):
        return None  # no authserv-id: the field starts with a result (as Microsoft writes)
    results = []
    for words in segments[1:]:
        result = _method_result(words)
        if result is not None and len(results) < MAX_RESULTS:
            results.append(result)
    return AuthenticationResults(head[0], tuple(results))


def trusted_results(parsed: ParsedEmail, trusted_authserv_id: str) -> list[MethodResult]:
    """The results the trusted MTA wrote at the top of this message (see the module doc)."""
    trusted = trusted_authserv_id.casefold()
    found: list[MethodResult] = []
    started, parsed_fields = False, 0
    for name, value in _top_fields(parsed):
        if name == "received" and started:
            break  # below the MTA's own Received: arrived with the message
        if name != "authentication-results":
            continue
        parsed_fields += 1
        if parsed_fields > MAX_AUTH_FIELDS:
            break
        fields = parse_authentication_results(value)
        if fields is not None and fields.authserv_id.casefold() == trusted:
            started = True
            found.extend(fields.results)
    return found


def dmarc_hold_reason(parsed: ParsedEmail, trusted_authserv_id: str | None) -> str | None:
    """None to post this reply, or why it is held (the rule of the module docstring)."""
    if not trusted_authserv_id:
        return None
    results = trusted_results(parsed, trusted_authserv_id)
    seen = f"(Authentication-Results of {trusted_authserv_id})"
    if not results:
        return f"no Authentication-Results from {trusted_authserv_id}, the trusted MTA"
    dmarc = [r.result for r in results if r.method == "dmarc"]
    if DMARC_FAIL in dmarc:
        return f"dmarc=fail {seen}"
    if PASS in dmarc:
        return None
    domain = (parsed.from_address or "").rpartition("@")[2]
    if _passed(results, "spf", ("smtp.mailfrom", "smtp.helo"), domain) or _passed(
        results, "dkim", ("header.d", "header.i"), domain
    ):
        return None
    return (
        f"no DMARC verdict (dmarc={_said(dmarc)}) and neither SPF nor DKIM passed for the "
        f"From domain (spf={_said(_results_of(results, 'spf'))}, "
        f"dkim={_said(_results_of(results, 'dkim'))}) {seen}"
    )


def _passed(
    results: Sequence[MethodResult], method: str, domain_properties: tuple[str, ...], domain: str
) -> bool:
    for result in results:
        if result.method != method or result.result != PASS:
            continue
        named = next((v for v in map(result.property, domain_properties) if v is not None), None)
        if named is None or _aligned(named.rpartition("@")[2], domain):
            return True
    return False


def _aligned(named: str, domain: str) -> bool:
    """The same domain, or one a parent of the other (relaxed alignment, RFC 7489 3.1)."""
    named, domain = named.strip().rstrip(".").lower(), domain.strip().rstrip(".").lower()
    if not named or not domain:
        return False
    return named == domain or domain.endswith("." + named) or named.endswith("." + domain)


def _results_of(results: Sequence[MethodResult], method: str) -> list[str]:
    return [result.result for result in results if result.method == method]


def _said(results: list[str]) -> str:
    return ",".join(dict.fromkeys(results)) or "absent"


def _top_fields(parsed: ParsedEmail) -> Iterator[tuple[str, str]]:
    for index, (name, value) in enumerate(parsed.headers.raw_items()):
        if index >= MAX_FIELDS_READ:
            return
        yield name.strip().lower(), value if isinstance(value, str) else str(value)


# --- the field's syntax (RFC 8601 section 2.2) --------------------------------------------------


def _segments(value: str) -> list[list[str]]:
    """The field split at ";" into lists of words, comments and whitespace dropped."""
    segments: list[list[str]] = [[]]
    position, end = 0, len(value)
    while position < end:
        if value[position] == "(":
            position = read_comment(value, position)[1]
            continue
        match = _TOKEN_RE.match(value, position)
        assert match is not None  # the alternatives cover every character
        token, position = match.group(), match.end()
        if token == ";":
            segments.append([])
        elif match.group("quoted") is not None:
            segments[-1].append(_QUOTED_PAIR_RE.sub(r"\1", match.group("quoted")))
        elif not token.isspace() and token != ")" and token[0] != "\\":
            segments[-1].append(token)
    return segments


def _method_result(words: list[str]) -> MethodResult | None:
    """`method [/ version] = result [reason=value] [ptype.property=value ...]`, or None."""
    pairs = _joined(words)
    if not pairs:
        return None
    (method_spec, result), properties = pairs[0], pairs[1:]
    method = "".join(method_spec.split("/", 1)[0].split()).lower()  # any version reads the same
    result = result.lower()
    if not (_KEYWORD_RE.fullmatch(method) and _KEYWORD_RE.fullmatch(result)):
        return None
    return MethodResult(
        method, result, tuple((key.lower(), value) for key, value in properties[:MAX_RESULTS])
    )


def _joined(words: list[str]) -> list[tuple[str, str]]:
    """The `name=value` pairs the words spell, whichever side of "=" the CFWS was on: words
    join until the text after the first "=" is not empty. Trailing words that spell no pair
    are dropped."""
    pairs: list[tuple[str, str]] = []
    name: list[str] = []
    after_equals = False
    for word in words:
        if after_equals:  # "name =" then this word: the value
            pairs.append(("".join(name), word))
            name, after_equals = [], False
            continue
        before, equals, value = word.partition("=")
        name.append(before)
        if equals and value:
            pairs.append(("".join(name), value))
            name = []
        elif equals:
            after_equals = True
    return pairs


__all__ = [
    "AuthenticationResults",
    "MethodResult",
    "dmarc_hold_reason",
    "parse_authentication_results",
    "trusted_results",
]
