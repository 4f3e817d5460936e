"""Fixture trackers in Rasa 3.6's exact SQL schema (SQLTrackerStore.SQLEvent) and event JSON.

The agent env has no Rasa, so rows are written as Rasa writes them: the `events` table's columns
(id, sender_id, type_name, timestamp, intent_name, action_name, data) and each event's `as_dict`
shape; tests/connectors/operations/ checks the same report against rows Rasa itself wrote.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
);
CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id);
"""

HOUR = 3600.0


def user(
    ts: float,
    text: str,
    channel: str = "webchat",
    intent: str = "question",
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts,
        "metadata": metadata or {},
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
        "input_channel": channel,
        "message_id": f"m{ts}",
    }


def bot(
    ts: float,
    text: str,
    kind: str,
    *,
    language: str = "en",
    sources: list[dict[str, str]] | None = None,
    metadata: dict[str, Any] | None = None,
    answer_id: str | None = None,
) -> dict[str, Any]:
    custom: dict[str, Any] = {
        "kind": kind,
        "sources": sources or [],
        "language": language,
        "options": [],
    }
    if answer_id is not None:
        custom["answer_id"] = answer_id
    return {
        "event": "bot",
        "timestamp": ts,
        "metadata": metadata or {},
        "text": text,
        "data": {
            "elements": None,
            "quick_replies": None,
            "buttons": None,
            "attachment": None,
            "image": None,
            "custom": custom,
        },
    }


def feedback(
    ts: float, helpful: str, answer_id: str | None = None, channel: str = "webchat"
) -> dict[str, Any]:
    """The visitor's feedback message as Rasa's RegexMessageHandler parses the shortcut."""
    values = {"helpful": helpful} | ({"answer_id": answer_id} if answer_id else {})
    text = "/feedback" + json.dumps(values, separators=(",", ":"))
    entities = [{"entity": k, "value": v, "start": 9, "end": len(text)} for k, v in values.items()]
    event = user(ts, text, channel, intent="feedback")
    event["parse_data"] = {
        "intent": {"name": "feedback", "confidence": 1.0},
        "entities": entities,
        "text": text,
    }
    return event


def person(ts: float, text: str) -> dict[str, Any]:
    """A colleague's reply from Slack, as connectors/slack_handoff writes it."""
    return {
        "event": "bot",
        "timestamp": ts,
        "text": text,
        "data": {},
        "metadata": {"human": {"name": "Sam", "slack_user": "U1"}},
    }


def slot(ts: float, name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": ts, "name": name, "value": value, "metadata": {}}


def action(ts: float, name: str) -> dict[str, Any]:
    return {
        "event": "action",
        "timestamp": ts,
        "name": name,
        "policy": "RulePolicy",
        "confidence": 1.0,
        "metadata": {},
    }


def write_tracker(db: Path, sender_id: str, events: list[dict[str, Any]]) -> None:
    """Append events as Rasa's SQLTrackerStore.save does (one row per event, JSON data)."""
    con = sqlite3.connect(db)
    con.executescript(SCHEMA)
    with con:
        for e in events:
            intent = (e.get("parse_data") or {}).get("intent", {}).get("name")
            con.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?,?,?,?,?,?)",
                (
                    sender_id,
                    e["event"],
                    e["timestamp"],
                    intent,
                    e.get("name") if e["event"] == "action" else None,
                    json.dumps(e),
                ),
            )
    con.close()


def answered(
    t0: float,
    question: str = "How long does delivery take?",
    *,
    channel: str = "webchat",
    language: str = "en",
    url: str = "https://shop.example/delivery",
    answer_id: str | None = None,
) -> list[dict[str, Any]]:
    """A question answered with a cited source 1.5 s later."""
    return [
        user(t0, question, channel),
        slot(t0 + 0.2, "language", language),
        bot(
            t0 + 1.5,
            "Two to three days.",
            "answer",
            language=language,
            sources=[{"title": "Delivery", "url": url}],
            answer_id=answer_id,
        ),
        action(t0 + 1.5, "action_answer_question"),
    ]


def handoff(
    t0: float, question: str, reason: str, channel: str = "webchat"
) -> list[dict[str, Any]]:
    """The answer action sets handoff_reason, then action_handoff utters and sets it again."""
    return [
        user(t0, question, channel),
        action(t0 + 0.5, "action_answer_question"),
        slot(t0 + 0.5, "handoff_reason", reason),
        action(t0 + 0.6, "action_handoff"),
        bot(t0 + 0.6, "A colleague takes over.", "handoff"),
        slot(t0 + 0.6, "handoff_reason", reason),
    ]
