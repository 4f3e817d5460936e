"""Which embedding model a LanceDB index directory was built with: recorded, checked, adopted.

Why: vectors of two models live in different spaces, so an index searched with another model's
query vectors returns nonsense with no error. The record (`embedding-model.txt` in the index
directory) is what lets the store refuse that in one line and the next sync switch models.

When (knowledge/stores/lance.py drives it):
- the first write to an index records the configured model;
- the first search checks it: another model's index raises `IndexModelMismatch` (run
  `customer-agent sync`), once per store;
- every sync starts with `adopt` (knowledge/sync.py): the configured model becomes the index's,
  and a table of that model left from before a switch is dropped, since it missed every change
  made since (the embedding cache makes re-embedding unchanged texts cheap).

Indexes older than the record are judged by their tables (one table per model, named by the
store): ours means ours, only other models' tables means another model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

MODEL_RECORD = "embedding-model.txt"
TABLE_PREFIX = "chunks__"


class IndexModelMismatch(RuntimeError):
    """The index holds vectors of another embedding model than the configured one."""


class ModelRecord:
    """The model record of the index in `path` for the configured `model`, whose table is
    `table`; `tables` lists the tables the index holds now (read when needed)."""

    def __init__(
        self, path: Path, model: str, table: str, tables: Callable[[], Iterable[str]]
    ) -> None:
        self.path = path
        self.model = model
        self.table = table
        self._tables = tables
        self.checked = False  # the record names our model: no need to read it again

    def built_with(self) -> str | None:
        """The model the index was last synced with (None: nothing indexed yet)."""
        record = self.path / MODEL_RECORD
        if record.is_file():
            return record.read_text(encoding="utf-8").strip() or None
        tables = [t for t in self._tables() if t.startswith(TABLE_PREFIX)]
        if not tables or self.table in tables:
            return self.model if tables else None
        return ", ".join(sorted(tables))

    def record(self) -> None:
        """Write the configured model as the index's (creating the index directory)."""
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / MODEL_RECORD).write_text(self.model + "\n", encoding="utf-8")
        self.checked = True

    def adopt(self, drop_own_table: Callable[[], None]) -> str | None:
        """Make the configured model the index's; returns the previous one (None: it was ours).
        `drop_own_table` drops our model's table, left from before a switch, if there is one."""
        previous = self.built_with()
        if previous == self.model:
            self.record()
            return None
        drop_own_table()
        self.record()
        return previous

    def check(self) -> None:
        """Refuse an index built with another model (read until it names ours)."""
        if self.checked:
            return
        previous = self.built_with()
        if previous is not None and previous != self.model:
            raise IndexModelMismatch(
                f"the index in {self.path} was built with {previous}, not the configured"
                f" {self.model} (CUSTOMER_AGENT_EMBEDDINGS): run customer-agent sync to re-embed"
                " every source"
            )
        self.checked = previous is not None
