"""First-run content: index the shipped sample help centre when no source is configured.

Called by `make run` before the servers start, so a newcomer can ask real questions at once.
Idempotent: with any source registered it only finishes syncs that never completed.
"""

from __future__ import annotations

import contextlib
import logging

from knowledge.settings import PROJECT_ROOT, Settings, get_settings
from knowledge.sources.registry import RegistryError, get_registry
from knowledge.sync import Store, SyncReport, sync_sources

log = logging.getLogger(__name__)

SAMPLE_DIR = PROJECT_ROOT / "knowledge" / "sample"
SAMPLE_NAME = "sample"


def ensure_default_sources(
    settings: Settings | None = None, *, store: Store | None = None, progress: bool = True
) -> SyncReport | None:
    """Register and sync `knowledge/sample/` as source "sample" if the registry is empty.

    Returns the sync report when something was synced, None when there was nothing to do.
    """
    settings = settings or get_settings()
    registry = get_registry(settings)
    try:
        sources = registry.list()
        if not sources:
            if not SAMPLE_DIR.is_dir():
                log.warning(
                    "no sources and no sample directory", extra={"fields": {"dir": str(SAMPLE_DIR)}}
                )
                return None
            with contextlib.suppress(RegistryError):  # another process may have won the race
                registry.add("directory", str(SAMPLE_DIR.resolve()), name=SAMPLE_NAME)
            sources = registry.list()
        todo = [s.name for s in sources if s.last_sync is None]
    finally:
        registry.close()
    if not todo:
        return None
    return sync_sources(todo, progress=progress, store=store, settings=settings)


def main() -> int:  # pragma: no cover - `python -m knowledge.bootstrap` from the Makefile
    from knowledge.logs import configure_logging

    configure_logging()
    report = ensure_default_sources()
    if report is not None:
        print(report.summary())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
