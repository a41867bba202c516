"""Authentication-Results (RFC 8601) as real MTAs write them, our reading of any text, and the
DMARC hold rule: only the trusted MTA's topmost results count."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.inbound.authentication import (
    MAX_FIELD_CHARS,
    MethodResult,
    dmarc_hold_reason,
    parse_authentication_results,
)
from gateway.inbound.parsing import ParsedEmail, parse_email

TRUSTED = "mx.example.com"


def _reply(*header_lines: str, sender: str = "bob@example.org") -> ParsedEmail:
    head = [*header_lines, f"From: Bob <{sender}>", "To: r@reply.example.com", "Subject: Re: x"]
    return parse_email(("\r\n".join(head) + "\r\n\r\nFriday works.\r\n").encode())


def _ar(value: str, authserv_id: str = TRUSTED) -> str:
    return f"Authentication-Results: {authserv_id}; {value}"


RECEIVED = "Received: from mail.example.org by mx.example.com with ESMTPS id 4B1C2"


# --- reading the field ----------------------------------------------------------------------


def test_a_gmail_style_field_is_read_with_comments_and_properties() -> None:
    found = parse_authentication_results(
        "mx.google.com;\r\n       dkim=pass header.i=@example.org header.s=s1 header.b=Ab+c;"
        "\r\n       spf=pass (google.com: domain of bob@example.org designates 192.0.2.1 as "
        "permitted sender) smtp.mailfrom=bob@example.org;\r\n       dmarc=pass (p=NONE sp=NONE "
        "dis=NONE) header.from=example.org"
    )
    assert found is not None and found.authserv_id == "mx.google.com"
    assert found.results == (
        MethodResult(
            "dkim", "pass", (("header.i", "@example.org"), ("header.s", "s1"), ("header.b", "Ab+c"))
        ),
        MethodResult("spf", "pass", (("smtp.mailfrom", "bob@example.org"),)),
        MethodResult("dmarc", "pass", (("header.from", "example.org"),)),
    )


@pytest.mark.parametrize(
    ("value", "authserv_id", "results"),
    [
        ("mx.example.com 1; spf=PASS smtp.mailfrom=x.example", "mx.example.com", [("spf", "pass")]),
        ('"mx.example.com"; dkim/1=pass header.d=x.example', "mx.example.com", [("dkim", "pass")]),
        (
            "mx.example.com (a; b (nested; c)) ; dkim=pass (sig; ok) header.d=x.example",
            "mx.example.com",
            [("dkim", "pass")],
        ),
        (
            'mx.example.com; dmarc=fail reason="policy; reject" header.from=x.example',
            "mx.example.com",
            [("dmarc", "fail")],
        ),
        ("mx.example.com; none", "mx.example.com", []),
        (
            "mx.example.com; spf=; =pass; dkim pass; dmarc=fail",
            "mx.example.com",
            [("dmarc", "fail")],
        ),
    ],
)
def test_fields_are_read_by_rfc_8601_and_malformed_results_are_skipped(
    value: str, authserv_id: str, results: list[tuple[str, str]]
) -> None:
    found = parse_authentication_results(value)
    assert found is not None and found.authserv_id == authserv_id
    assert [(r.method, r.result) for r in found.results] == results


@pytest.mark.parametrize(
    "value", ["", "  (only a comment) ", "spf=pass smtp.mailfrom=x; dkim=pass"]
)
def test_a_field_without_an_authserv_id_is_nobodys(value: str) -> None:
    # Microsoft writes "spf=pass ...; dkim=pass ..." with no authserv-id at all.
    assert parse_authentication_results(value) is None


_KEYWORD = st.text(st.sampled_from("abcdefxyz0189-"), min_size=1, max_size=8).filter(
    lambda word: word[0] != "-"
)
_VALUE = st.text(st.sampled_from("abcxyz.@-_+/"), min_size=1, max_size=12).filter(
    lambda word: word not in ("=", "/")
)
_PROPERTY = st.tuples(st.sampled_from(["smtp", "header", "body", "policy"]), _KEYWORD, _VALUE)
_RESULT = st.tuples(_KEYWORD, _KEYWORD, st.lists(_PROPERTY, max_size=3))
_GAP = st.sampled_from([" ", "  ", "\r\n\t", " (a comment; with = signs) ", " (nested (one)) "])


@settings(max_examples=120, deadline=None)
@given(_KEYWORD, st.lists(_RESULT, max_size=4), st.data())
def test_every_written_result_is_read_back_whatever_comments_sit_between(
    authserv_id: str,
    results: list[tuple[str, str, list[tuple[str, str, str]]]],
    data: st.DataObject,
) -> None:
    def gap() -> str:
        return data.draw(_GAP)

    pieces = [gap() + authserv_id]
    for method, result, properties in results:
        written = f"{gap()}{method}{gap()}={gap()}{result}"
        for ptype, name, value in properties:
            written += f"{gap()}{ptype}.{name}={value}"
        pieces.append(written)
    found = parse_authentication_results(";".join(pieces))
    assert found is not None and found.authserv_id == authserv_id
    assert [(r.method, r.result, r.properties) for r in found.results] == [
        (method.lower(), result.lower(), tuple((f"{p}.{n}", v) for p, n, v in properties))
        for method, result, properties in results
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from('ab;=/.()"\\ \t\r\n@é'), max_size=300))
def test_reading_any_text_never_raises(value: str) -> None:
    found = parse_authentication_results(value)
    assert found is None or all(r.method and r.result for r in found.results)


@pytest.mark.parametrize("unit", ["(", ")", '"\\', ";", "=", "a=b ", "a ", "(;", "\\"])
def test_hostile_fields_are_read_in_bounded_work(unit: str) -> None:
    found = parse_authentication_results(f"{TRUSTED}; " + unit * 1_000_000)
    assert found is None or len(found.results) <= MAX_FIELD_CHARS


# --- the hold rule --------------------------------------------------------------------------


HOLDS = {
    "dmarc=fail": [_ar("spf=pass smtp.mailfrom=example.org; dmarc=fail header.from=example.org")],
    "no DMARC record, SPF softfail, no DKIM": [
        _ar("spf=softfail smtp.mailfrom=example.org; dkim=none; dmarc=none")
    ],
    "no DMARC result, SPF and DKIM fail": [
        _ar("spf=fail smtp.mailfrom=example.org; dkim=fail header.d=example.org")
    ],
    "DMARC temperror, nothing passed": [_ar("spf=neutral; dkim=permerror; dmarc=temperror")],
    "DKIM passed for another domain": [
        _ar("spf=fail smtp.mailfrom=example.org; dkim=pass header.d=evil.example; dmarc=none")
    ],
    "SPF passed for another domain": [_ar("spf=pass smtp.mailfrom=bounce@evil.example")],
    "a fail beside a pass": [_ar("dmarc=pass"), _ar("dmarc=fail")],
    "no field from the trusted MTA": [],
    "only another MTA's pass": [_ar("dmarc=pass; spf=pass; dkim=pass", "mx.evil.example")],
    "a forged pass below the MTA's Received": [
        _ar("spf=fail; dmarc=none"),
        RECEIVED,
        _ar("dmarc=pass"),
    ],
}


@pytest.mark.parametrize("lines", HOLDS.values(), ids=HOLDS.keys())
def test_replies_the_trusted_mta_cannot_vouch_for_are_held(lines: list[str]) -> None:
    reason = dmarc_hold_reason(_reply(*lines), TRUSTED)
    assert reason is not None and "\n" not in reason


POSTS = {
    "dmarc=pass": [_ar("spf=fail; dkim=fail; dmarc=pass header.from=example.org")],
    "no DMARC record, DKIM aligned": [
        _ar("spf=softfail; dkim=pass header.d=example.org; dmarc=none")
    ],
    "no DMARC record, SPF aligned by a subdomain": [
        _ar("spf=pass smtp.mailfrom=bounces@mail.example.org; dkim=none; dmarc=none")
    ],
    "no DMARC result, DKIM by header.i": [_ar("dkim=pass header.i=@example.org")],
    "a pass naming no domain": [_ar("spf=pass")],
    "results split over several fields": [
        "DMARC-Filter: OpenDMARC Filter v1.4.2 mx.example.com 4B1C2",
        _ar("dmarc=pass header.from=example.org"),
        "DKIM-Filter: OpenDKIM Filter v2.11.0 mx.example.com 4B1C2",
        _ar("dkim=pass header.d=example.org"),
    ],
    "another MTA's dmarc=fail changes nothing": [
        _ar("dmarc=fail", "mx.evil.example"),
        _ar("dmarc=pass"),
        _ar("dmarc=fail", "mx.evil.example"),
    ],
    "a forged fail below the MTA's Received": [_ar("dmarc=pass"), RECEIVED, _ar("dmarc=fail")],
    "the authserv-id in another case": [_ar("dmarc=pass", "MX.Example.COM")],
}


@pytest.mark.parametrize("lines", POSTS.values(), ids=POSTS.keys())
def test_replies_the_trusted_mta_vouches_for_are_posted(lines: list[str]) -> None:
    assert dmarc_hold_reason(_reply(*lines), TRUSTED) is None


def test_dmarc_fail_is_named_in_the_reason() -> None:
    reason = dmarc_hold_reason(_reply(_ar("dmarc=fail")), TRUSTED)
    assert reason is not None and reason.startswith("dmarc=fail") and TRUSTED in reason


def test_without_a_trusted_mta_nothing_is_held() -> None:
    assert dmarc_hold_reason(_reply(_ar("dmarc=fail")), None) is None
    assert dmarc_hold_reason(_reply(), None) is None
