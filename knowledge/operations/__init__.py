"""Operations: conversations, billing and the performance report, read from Rasa's tracker store.

Why the tracker store and not a side table: every Rasa server writes every event there (SQLite
by default, PostgreSQL in production), so the report counts what visitors actually saw, whichever
process served them. `events` reads the rows, `lifecycle` cuts them into billable conversations
(24 h on chat channels, 72 h email reopen), `metrics` computes the report, `report_html` renders
it, `gaps` groups unanswered questions by meaning. Nothing here runs at import time.
"""
