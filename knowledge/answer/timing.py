"""`StepTimer`: a LangChain callback handler that times the answer chain's named steps.

Why: the 'show why' panel and the latency benchmark need per-step timings of the real turn;
LangChain already reports every Runnable's start and end to its callbacks, so timing them there
measures exactly what runs, with no timing code inside the steps.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from knowledge.types import Step

STEP_NAMES = frozenset({"prepare", "retrieve", "decide", "compose", "guard", "answer_turn"})


class StepTimer(BaseCallbackHandler):
    """Wall time of each named step of one chain run, in the order the steps finished."""

    run_inline = True  # called in the chain's own thread: no executor hop per event

    def __init__(self, names: frozenset[str] = STEP_NAMES) -> None:
        self._names = names
        self._open: dict[UUID, tuple[str, float]] = {}
        self._done: list[Step] = []

    def on_chain_start(
        self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        name = kwargs.get("name")
        if name in self._names:
            self._open[run_id] = (str(name), time.perf_counter())

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        started = self._open.pop(run_id, None)
        if started is not None:
            name, t0 = started
            self._done.append(Step(name=name, ms=(time.perf_counter() - t0) * 1000))

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._open.pop(run_id, None)

    def steps(self) -> tuple[Step, ...]:
        return tuple(self._done)
