"""The tracker store: Rasa's own `SQLTrackerStore` on SQLite (default) or PostgreSQL.

Why a subclass and not `type: SQL` in `endpoints.yml`: the engine is chosen by
`CUSTOMER_AGENT_TRACKER_STORE` at start-up, and two things Rasa 3.6 gets wrong by default are
fixed here once. PostgreSQL is configured with `dialect: "postgresql"` exactly (Rasa applies
its pool settings, `SQL_POOL_SIZE` / `SQL_MAX_OVERFLOW`, only to that spelling), and the events
table gets an index on `(sender_id, timestamp)`: Rasa indexes only `sender_id`, while every
retrieve also filters on the session start's timestamp.

The store is safe with several Rasa servers only together with a lock store that serialises a
conversation across servers (`connectors.stores.lock`): Rasa saves a tracker by counting the
rows already stored and appending the rest, so two overlapping writers lose or duplicate events.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from connectors.stores import settings

logger = logging.getLogger(__name__)

EVENTS_INDEX = "ix_events_sender_id_timestamp"


class EnvTrackerStore(SQLTrackerStore):
    """`tracker_store: {type: connectors.stores.tracker.EnvTrackerStore}` in `endpoints.yml`."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        # what endpoints.yml adds besides `type` goes to Rasa as is (e.g. `login_db`, `query`)
        for chosen_here in ("dialect", "port", "db", "username", "password"):
            kwargs.pop(chosen_here, None)
        self.backend = settings.tracker_backend()
        if self.backend == "postgresql":
            pg = settings.postgres_settings()
            super().__init__(
                domain=domain,
                dialect="postgresql",
                host=pg.host,
                port=pg.port,
                db=pg.db,
                username=pg.user,
                password=pg.password,
                event_broker=event_broker,
                **kwargs,
            )
        else:
            path = settings.sqlite_tracker_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            super().__init__(
                domain=domain, dialect="sqlite", db=str(path), event_broker=event_broker, **kwargs
            )
        ensure_events_index(self.engine)


def ensure_events_index(engine: Any) -> None:
    """Create the `(sender_id, timestamp)` index once; servers starting together may race."""
    import sqlalchemy as sa
    import sqlalchemy.exc

    statement = sa.text(
        f"CREATE INDEX IF NOT EXISTS {EVENTS_INDEX} ON events (sender_id, timestamp)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError) as error:
        # PostgreSQL: a concurrent CREATE INDEX IF NOT EXISTS can still collide in pg_class
        if not index_exists(engine):
            raise
        logger.debug("events index created by another server: %s", error)


def index_exists(engine: Any) -> bool:
    import sqlalchemy as sa

    return EVENTS_INDEX in {ix["name"] for ix in sa.inspect(engine).get_indexes("events")}
