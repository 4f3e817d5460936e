"""One decision per question (answer / clarify / handoff) from calibrated retrieval evidence.

Pure logic over fixed `SearchHit`s so each rule is unit-tested without a store: the evidence
is computed once (`knowledge/answer/evidence.py`: relevance of the best passage and its floor,
distinct topics and their ties, key-term coverage, an unnamed referent, the primary passage)
and an ordered tuple of named rules (`knowledge/answer/rules.py`) decides; the first verdict
wins and names its rule. Thresholds come from `AnswerConfig`.
"""

from __future__ import annotations

from knowledge.answer.config import AnswerConfig
from knowledge.answer.evidence import (
    distinct_topics,
    gather,
    primary_hit,
    relevance,
    same_topic,
    title_ties,
    topic_of,
)
from knowledge.answer.rules import Verdict, apply_rules
from knowledge.types import SearchHit

__all__ = [
    "Verdict",
    "decide",
    "distinct_topics",
    "primary_hit",
    "relevance",
    "same_topic",
    "title_ties",
    "topic_of",
]


def decide(
    question: str,
    hits: list[SearchHit],
    *,
    language: str,
    config: AnswerConfig,
    clarifications: int = 0,
    history_text: str = "",
    chosen_topic: bool = False,
) -> Verdict:
    """Pick answer, clarify or handoff for `question` given retrieval `hits` (best first).

    `clarifications` counts follow-ups already asked for this pending question; a reply that
    still leads nowhere gets another one ("still_unclear") until `config.max_clarifications`
    is reached, then the question is handed off ("clarification_failed").
    `chosen_topic` means the visitor picked a topic button, so ambiguity is settled.
    """
    evidence = gather(
        question,
        hits,
        language=language,
        config=config,
        clarifications=clarifications,
        history_text=history_text,
        chosen_topic=chosen_topic,
    )
    return apply_rules(evidence, config)
