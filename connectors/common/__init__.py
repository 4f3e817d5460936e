"""What the input channels share: the turn (`turn`), delivery to the visitor (`delivery`), the
messaging platforms' input and output (`chat_channel`, `chat_output`, `text`, `window`), the web
chat's outbox and browser checks (`outbox`, `browser`, `ratelimit`), state shared by the workers
(`state_db`: SQLite or PostgreSQL; `sqlite`, `dedupe`, `senders`) and outbound calls with
retries (`outbound`).

Bot-env code: imports only what the Rasa environment has. `masking` (stdlib) and `profile`
(stdlib + PyYAML) are imported by the agent env too, so this package's `__init__` imports
nothing. Nothing happens at import time; stores and sessions are created on first use.
"""
