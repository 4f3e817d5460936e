-- Databases besides the tracker store's `rasa`, created on PostgreSQL's first start.
-- The analytics consumer's (CUSTOMER_AGENT_ANALYTICS_DB): apart from the tracker's `events`
-- table, so each is backed up and sized on its own.
CREATE DATABASE analytics;
-- The shared state (CUSTOMER_AGENT_STATE_DB, connectors/common/state_db.py): handoffs, web chat
-- outbox, message-id dedupe, sender book, email threads, decision records.
CREATE DATABASE state;
