"""What every input channel shares: the turn (`turn`), delivery to the visitor (`delivery`), the
reply merge's companions (`chat_output`, `chat_channel`, `outbox`, `browser`), state
(`sqlite`, `dedupe`, `senders`) and outbound calls (`outbound`).

Bot-env code: imports only what the Rasa environment has. `masking` (stdlib) and `profile`
(stdlib + PyYAML) are imported by the agent env too, so this package's `__init__` imports
nothing. Nothing happens at import time; stores and sessions are created on first use.
"""
