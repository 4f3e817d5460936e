"""Rasa's production backends chosen from the environment (docs/architecture.md, "Production").

`endpoints.yml` is static YAML, so it names one class per backend (`type: connectors.stores...`)
and each class picks its engine from `CUSTOMER_AGENT_TRACKER_STORE`, `CUSTOMER_AGENT_LOCK_STORE`
and `CUSTOMER_AGENT_EVENT_BROKER` when Rasa constructs it at start-up: the embedded defaults
(SQLite, in-memory lock, no broker) need no service, production switches by environment only.
"""
