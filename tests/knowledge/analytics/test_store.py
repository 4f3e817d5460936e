"""knowledge/analytics/store.py: what identifies an event, and what is not one."""

from __future__ import annotations

import json

import pytest

from knowledge.analytics.settings import ConsumerSettings, ConsumerSettingsError
from knowledge.analytics.store import NotAnEvent, parse_event


def body(**event) -> bytes:
    return json.dumps(event).encode()


def test_a_redelivery_has_the_same_identity():
    e = {"event": "user", "timestamp": 1.5, "sender_id": "s", "text": "hi", "metadata": {"a": 1}}
    first = parse_event(json.dumps(e).encode())
    again = parse_event(json.dumps(dict(reversed(list(e.items())))).encode())  # key order aside
    assert (first.conversation_id, first.ts, first.type) == ("s", 1.5, "user")
    assert first.digest == again.digest


def test_two_events_sharing_timestamp_and_type_are_both_kept():
    a = parse_event(body(event="slot", timestamp=2.0, sender_id="s", name="x", value=1))
    b = parse_event(body(event="slot", timestamp=2.0, sender_id="s", name="y", value=1))
    assert a.digest != b.digest


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        body(event="user", timestamp=1.0),  # no sender
        body(event="user", sender_id="s", timestamp="yesterday"),
        body(event="user", sender_id="s", timestamp=True),
        body(sender_id="s", timestamp=1.0),  # no type
        b"\xff\xfe",
    ],
)
def test_what_is_not_a_rasa_event_is_refused(raw):
    with pytest.raises(NotAnEvent):
        parse_event(raw)


def test_settings_require_database_and_broker_credentials():
    with pytest.raises(ConsumerSettingsError) as error:
        ConsumerSettings.from_env(
            {"RABBITMQ_PASSWORD": "changeme", "CUSTOMER_AGENT_ANALYTICS_DB": "sqlite:///x"}
        )
    assert str(error.value).splitlines() == [
        "CUSTOMER_AGENT_ANALYTICS_DB: expected a postgresql:// URL",
        "RABBITMQ_USER: required",
        "RABBITMQ_PASSWORD: placeholder value refused",
    ]
    ok = ConsumerSettings.from_env(
        {
            "RABBITMQ_USER": "u",
            "RABBITMQ_PASSWORD": "p",
            "CUSTOMER_AGENT_ANALYTICS_DB": "postgresql://x/y",
        }
    )
    assert (ok.rabbit_host, ok.rabbit_port, ok.queue) == ("localhost", 5672, "rasa_events")
