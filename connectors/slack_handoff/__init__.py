"""Human handoff in Slack: see README "Handoff in Slack" and docs/architecture.md."""
