"""Handoff state shared by every Rasa process: handoffs, Slack threads, claims, outbox, dedupe."""
