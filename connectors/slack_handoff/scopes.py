"""The bot token scopes the Slack handoff needs (the README's app manifest). Stdlib only: the
Rasa server's start-up check (`check.py`) and `customer-agent check` (agent env) share it."""

REQUIRED_SCOPES = (
    "chat:write",
    "chat:write.customize",
    "channels:history",
    "groups:history",
    "users:read",
    "usergroups:read",
    "reactions:write",
)
