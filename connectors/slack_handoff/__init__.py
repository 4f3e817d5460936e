"""Human handoff in Slack (README, "Handoff in Slack"): routing, relay, claim/resolve/hand back."""
