"""Routing: unassigned by default, the first matching rule (channel, language, reason, keywords)
to users / a user group / a channel, and out of hours: still posted, marked, visitor told when."""

from __future__ import annotations

import datetime as dt

from rasa.shared.core.events import UserUttered

from connectors.slack_handoff.config import parse_handoff
from connectors.slack_handoff.routing import HandoffContext, route
from tests.connectors.slack_handoff.harness import TEAM, UNASSIGNED, make_harness

RULES = {
    "mode": "slack",
    "route": "rules",
    "channel": UNASSIGNED,
    "rules": [
        {
            "name": "billing",
            "match": {"language": ["nl", "de"], "keywords": ["factuur", "invoice"]},
            "users": ["UANN00001"],
            "usergroup": "S0BILLING",
            "channel": TEAM,
        },
        {"name": "whatsapp", "match": {"channel": "whatsapp"}, "users": ["UBOB00001"]},
    ],
}
CLOSED_ALWAYS = {"timezone": "Europe/Amsterdam", "weekly": {"mon": "09:00-09:01"}}


def ctx(channel="webchat", language="nl", reason="visitor_request", text=""):
    return HandoffContext(channel, language, reason, text)


def test_first_matching_rule_wins_and_unmatched_go_unassigned():
    config, errors = parse_handoff(RULES, env={})
    assert errors == []
    billing = route(config, ctx(text="Waar is mijn factuur?"))
    assert (billing.slack_channel, billing.rule) == (TEAM, "billing")
    assert billing.mention() == "<@UANN00001> <!subteam^S0BILLING>"
    assert route(config, ctx(language="fr", text="ma factuur")).rule is None  # language fails
    wa = route(config, ctx(channel="whatsapp", text="hallo"))
    assert (wa.slack_channel, wa.users) == (UNASSIGNED, ("UBOB00001",))
    nobody = route(config, ctx(text="hallo"))
    assert (nobody.slack_channel, nobody.rule, nobody.mention()) == (UNASSIGNED, None, "")
    flat, _ = parse_handoff({**RULES, "route": "nobody"}, env={})
    assert route(flat, ctx(text="factuur")).slack_channel == UNASSIGNED


def test_out_of_hours_is_marked_with_the_next_opening():
    rules = [{**RULES["rules"][0], "hours": CLOSED_ALWAYS}]
    config, errors = parse_handoff({**RULES, "rules": rules}, env={})
    assert errors == []
    tuesday = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.timezone.utc)
    r = route(config, ctx(text="factuur"), now=tuesday)
    assert r.out_of_hours and r.next_open == dt.datetime.fromisoformat("2026-12-14T09:00+01:00")


async def test_team_rule_and_out_of_hours_through_the_channel(tmp_path):
    rules = [{**RULES["rules"][0], "hours": CLOSED_ALWAYS}]
    h = await make_harness(tmp_path, {**RULES, "rules": rules})
    try:
        sender = "billing-visitor-00001"
        tracker = await h.agent.tracker_store.get_or_create_tracker(sender)
        tracker.update(UserUttered("Mijn factuur klopt niet"))
        await h.agent.tracker_store.save(tracker)
        await h.visitor_asks_for_human(sender)
        await h.settle()
        root = h.slack.of("chat.postMessage")[0].args
        assert root["channel"] == TEAM
        text = str(root["blocks"])
        assert "<@UANN00001>" in text and "<!subteam^S0BILLING>" in text
        assert "Out of hours" in text and "Mon" in text
        told = h.pushed[-1][1]
        assert told.language == "nl" and "ma " in told.text and "09:00" in told.text  # Dutch day
        handoff = h.service.store.open_for_sync(sender)
        assert handoff.out_of_hours and handoff.route["rule"] == "billing"
    finally:
        await h.stop()
        await h.slack.stop()
