"""What a sync did, per source and in total: the figures `customer-agent sync` prints.

Split from knowledge/sync.py (the engine) so the CLI and bootstrap can read reports without the
engine's ingest imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceReport:
    name: str
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_upserted: int = 0
    flagged: int = 0  # passages held back at this sync (see `sources audit`)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, reason)
    fatal: str | None = None  # the source itself failed; its index was left as it was
    seconds: float = 0.0

    def line(self) -> str:
        if self.fatal:
            return f"{self.name}: FAILED ({self.fatal}); index left unchanged"
        return (
            f"{self.name}: {self.seen} documents: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed, {len(self.errors)} errors; "
            f"{self.chunks_upserted} chunks embedded ({self.seconds:.1f} s)"
            + (
                f"; {self.flagged} passages held back from answers"
                " (review: customer-agent sources audit)"
                if self.flagged
                else ""
            )
        )


@dataclass
class SyncReport:
    sources: list[SourceReport] = field(default_factory=list)
    notice: str | None = None  # one line about the whole sync (the embedding model changed)

    @property
    def chunks_upserted(self) -> int:
        return sum(s.chunks_upserted for s in self.sources)

    @property
    def ok(self) -> bool:
        return not any(s.fatal for s in self.sources)

    def summary(self) -> str:
        lines = [s.line() for s in self.sources] or ["no sources registered"]
        if self.notice:
            lines.insert(0, self.notice)
        for s in self.sources:
            lines += [f"  error {doc_id}: {reason}" for doc_id, reason in s.errors[:20]]
            if len(s.errors) > 20:
                lines.append(f"  ... {len(s.errors) - 20} more errors (see `sources list`)")
        return "\n".join(lines)
