"""A closing ("Regards,", "Thanks, Bob") is the person's words; prose is not a closing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.inbound.closings import is_closing


@pytest.mark.parametrize(
    "line",
    ["Regards,", "Best regards", "Thanks, Bob", "Thanks, Bob Baker!", "Mit freundlichen Grüßen",
     "Cordialement,", "С уважением,", "Pozdrawiam", "\u200fבברכה,", "Saludos, Ana"],
)  # fmt: skip
def test_closings_in_many_languages(line: str) -> None:
    assert is_closing(line)


@pytest.mark.parametrize(
    "line",
    ["Thanks for the update, I will look at it tomorrow morning before the call.",
     "Regards to your mother", "Best of all, it is free.", "Bob", "", "Thanks, 555 0100"],
)  # fmt: skip
def test_prose_is_not_a_closing(line: str) -> None:
    assert not is_closing(line)


@given(st.text(max_size=200))
def test_any_line_is_read(line: str) -> None:
    assert isinstance(is_closing(line), bool)
