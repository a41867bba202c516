"""GATEWAY_SUPPORT_* settings: read from the environment once, bad values refused with an
error naming the variable."""

from __future__ import annotations

import pytest

from gateway.settings_error import SettingsError
from gateway.support_settings import (
    DEFAULT_CLOSE_AFTER_DAYS,
    DEFAULT_REOPEN_DAYS,
    RequesterPolicy,
    SupportSettings,
    support_settings,
)


def test_nothing_set_means_no_support_desk() -> None:
    assert support_settings({}) == SupportSettings()
    assert SupportSettings().close_after_days == DEFAULT_CLOSE_AFTER_DAYS
    assert SupportSettings().reopen_days == DEFAULT_REOPEN_DAYS


def test_addresses_with_queues_policy_agents_and_days_are_read() -> None:
    support = support_settings(
        {
            "GATEWAY_SUPPORT_ADDRESSES": " Support@X.com , billing@x.com=Billing,support@x.com",
            "GATEWAY_SUPPORT_REQUESTERS": "Existing",
            "GATEWAY_SUPPORT_AGENTS": "Ann@x.com, bo@x.com",
            "GATEWAY_SUPPORT_CLOSE_AFTER_DAYS": "2",
            "GATEWAY_SUPPORT_REOPEN_DAYS": "30",
        }
    )
    assert support.addresses == ("support@x.com", "billing@x.com")
    assert support.queue_for("BILLING@x.com") == "billing"
    assert support.queue_for("support@x.com") is None
    assert support.requesters is RequesterPolicy.EXISTING
    assert support.is_agent("ann@X.com") and not support.is_agent("cy@x.com")
    assert (support.close_after_days, support.reopen_days) == (2, 30)
    assert support.is_support_address("SUPPORT@x.com")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GATEWAY_SUPPORT_ADDRESSES", "support"),
        ("GATEWAY_SUPPORT_ADDRESSES", "a@x.com=bad queue"),
        ("GATEWAY_SUPPORT_ADDRESSES", "a@x.com="),
        ("GATEWAY_SUPPORT_REQUESTERS", "maybe"),
        ("GATEWAY_SUPPORT_AGENTS", "ann"),
        ("GATEWAY_SUPPORT_CLOSE_AFTER_DAYS", "0"),
        ("GATEWAY_SUPPORT_CLOSE_AFTER_DAYS", "-1"),
        ("GATEWAY_SUPPORT_REOPEN_DAYS", "soon"),
        ("GATEWAY_SUPPORT_REOPEN_DAYS", "99999"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        support_settings({name: value})
