"""The generative composer: an OpenAI-compatible chat model behind a grounded JSON contract.

Used when `CUSTOMER_AGENT_COMPOSER=generative`. The model's reply is validated (schema, source
ids it was given, no URL, e-mail address, amount, date or other number absent from the passages,
no request for passwords, card numbers or payments, no instruction-like text) before it is sent;
any error, timeout or invalid reply raises `ComposerError` so the chain falls back to the
extractive composer. Passages reach the prompt fenced and escaped, without the sentences the
guardrails flag, so a poisoned page can neither close the fence nor speak to the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field, ValidationError

from knowledge.answer import prompts
from knowledge.answer.guardrails import (
    asks_for_secrets,
    base_domain,
    is_injection,
    mask,
    strip_injections,
)
from knowledge.profile import Profile
from knowledge.types import SearchHit, Turn

_URL = re.compile(r"https?://[^\s)>\]]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
_LIST_MARKER = re.compile(r"(?m)^\s*\d{1,2}[.)]\s")  # "1. Open the app": numbering, not a fact
_AMOUNT = re.compile(r"[$€£¥]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|EUR|USD|GBP|dollars?|euros?)", re.I)


class ComposerError(RuntimeError):
    """The LLM failed or replied outside the contract; the caller falls back."""


class GroundedReply(BaseModel):
    """The JSON contract of the generative composer."""

    answer: str = Field(min_length=1, max_length=2000)
    used_source_ids: list[str] = Field(default_factory=list)
    decision: Literal["answer", "clarify", "handoff"]


@dataclass(frozen=True)
class Generated:
    reply: GroundedReply
    used: tuple[SearchHit, ...]


@lru_cache(maxsize=1)
def get_chat_model() -> Runnable:
    """ChatOpenAI from settings (model, base URL, key, timeout) in JSON mode; built on first use."""
    from langchain_openai import ChatOpenAI

    from knowledge.settings import get_settings

    s = get_settings()
    if s.openai_api_key is None:
        raise ComposerError("OPENAI_API_KEY is not set; the generative composer cannot run")
    model = ChatOpenAI(
        model=s.chat_model,
        api_key=s.openai_api_key,
        base_url=s.openai_base_url,
        timeout=s.llm_timeout_s,
        max_retries=1,
        temperature=0,
    )
    return model.bind(response_format={"type": "json_object"})


def _fence(text: str) -> str:
    """Content as data inside the prompt's tags: it cannot open or close one."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _safe_text(text: str) -> str:
    """The passage without sentences that instruct the model or ask for secrets."""
    lines = []
    for line in text.split("\n"):
        kept = strip_injections([p for p in _SENTENCE_END.split(line) if p.strip()])
        if kept or not line.strip():
            lines.append(" ".join(kept))
    return "\n".join(lines).strip()


def _passages_block(hits: tuple[SearchHit, ...]) -> str:
    return "\n".join(
        f'<passage id="{_fence(h.chunk.id)}" title="{_fence(h.chunk.title)}"'
        f' language="{_fence(h.chunk.language)}">\n'
        f"{_fence(_safe_text(h.chunk.text))}\n</passage>"
        for h in hits
    )


def _history_block(history: tuple[Turn, ...]) -> str:
    return "\n".join(f"{t.role}: {mask(t.text)}" for t in history) or "(none)"


def _parse(content: object) -> GroundedReply:
    text = content if isinstance(content, str) else json.dumps(content)
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return GroundedReply.model_validate_json(text)
    except ValidationError as exc:
        raise ComposerError(f"reply outside the JSON contract: {exc.error_count()} errors") from exc


def validate(
    reply: GroundedReply, hits: tuple[SearchHit, ...], question: str = ""
) -> tuple[SearchHit, ...]:
    """Check the reply against the passages; returns the hits it used. Raises on any breach.

    Numbers the visitor gave ("I ordered 3 bikes") may be repeated; list numbering is ignored.
    """
    by_id = {h.chunk.id: h for h in hits}
    unknown = [i for i in reply.used_source_ids if i not in by_id]
    if unknown:
        raise ComposerError(f"reply cites passages it was not given: {unknown}")
    used = tuple(by_id[i] for i in dict.fromkeys(reply.used_source_ids))
    if reply.decision == "answer" and not used:
        raise ComposerError("an answer without a source is not an answer")
    context = " ".join(f"{h.chunk.text} {h.chunk.url}" for h in hits)
    for url in _URL.findall(reply.answer):
        if url.rstrip(".,") not in context:
            raise ComposerError("reply invents a URL")
    for address in _EMAIL.findall(reply.answer):
        if address.rstrip(".,").lower() not in context.lower():
            raise ComposerError("reply invents an e-mail address")
    own = {base_domain(urlsplit(h.chunk.url).hostname or "") for h in hits} - {""}
    if is_injection(reply.answer) or asks_for_secrets(reply.answer, own):
        raise ComposerError("reply asks for secrets or reads as an instruction")
    squeeze = re.sub(r"\s", "", context)
    for amount in _AMOUNT.findall(reply.answer):
        digits = re.sub(r"[^\d]", "", amount)
        if digits not in re.sub(r"[^\d]", "", squeeze):
            raise ComposerError("reply states an amount the passages do not")
    stated = _numbers(f"{context} {question}")
    for number in _NUMBER.findall(_LIST_MARKER.sub("", reply.answer)):
        if not _numbers(number) <= stated:
            raise ComposerError("reply states a number or date the passages do not")
    return used


def _numbers(text: str) -> set[int]:
    """The numbers in `text` as values: "2024-06-09", "9 June 2024" and "€1.299" compare by part."""
    return {int(n) for n in re.findall(r"\d+", text)}


def compose(
    question: str,
    hits: tuple[SearchHit, ...],
    *,
    language: str,
    profile: Profile,
    history: tuple[Turn, ...] = (),
    model: Runnable | BaseChatModel | None = None,
) -> Generated:
    """Ask the LLM for a grounded JSON reply and validate it (see module docstring)."""
    chain = prompts.answer_prompt() | (model if model is not None else get_chat_model())
    try:
        message = chain.invoke(
            {
                "name": profile.name,
                "role": profile.role,
                "company": profile.company or "this company",
                "voice": prompts.voice(profile),
                "language": language,
                "history": _history_block(history),
                "passages": _passages_block(hits),
                "question": mask(question),
            }
        )
    except ComposerError:
        raise
    except Exception as exc:  # timeouts, HTTP errors, connection refused: all fall back
        raise ComposerError(f"LLM call failed: {type(exc).__name__}") from exc
    reply = _parse(getattr(message, "content", message))
    return Generated(reply, validate(reply, hits, question))
