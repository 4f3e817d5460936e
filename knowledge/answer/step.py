"""`Step`: one named step of the answer chain as a lean LangChain `Runnable`.

Why not `RunnableLambda(...).with_config(run_name=...)`: that wrapper inspects the function's
signature and merges configs on every call, which measured about 20x the cost of the steps'
own work on the extractive path (benchmarks/bench_chain.py). A `Step` does what LangChain's
own runnables do for a traced call (start a child run under the caller's callbacks, end or fail
it) and nothing else, so callbacks and tracing still see every step by name with its input and
output, and steps compose with `|` like any Runnable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import (
    ensure_config,
    get_callback_manager_for_config,
    patch_config,
)


class Step(Runnable[Any, Any]):
    """`fn(input)`, or `fn(input, config)` with `takes_config` (to trace nested runs, such as
    a retriever, as children of this step)."""

    def __init__(self, name: str, fn: Callable[..., Any], *, takes_config: bool = False) -> None:
        self.name = name
        self._fn = fn
        self._takes_config = takes_config

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        config = ensure_config(config)
        run = get_callback_manager_for_config(config).on_chain_start(
            None, input, name=config.get("run_name") or self.name, run_id=config.pop("run_id", None)
        )
        try:
            if self._takes_config:
                output = self._fn(input, patch_config(config, callbacks=run.get_child()))
            else:
                output = self._fn(input)
        except BaseException as exc:
            run.on_chain_error(exc)
            raise
        run.on_chain_end(output)
        return output
