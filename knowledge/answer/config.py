"""Answering thresholds: operator-tunable YAML (`bot/answering.yml`), read once on first use.

Kept apart from `Settings` (deployment facts and secrets) because conversation designers tune
these against the eval set without touching the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.answer.answerability import FEATURES


@dataclass(frozen=True)
class AnswerConfig:
    """Decision thresholds and composition limits (see `bot/answering.yml` for their meaning)."""

    evidence: str = "vector"  # "fused" score or the "vector" (semantic) score for relevance
    min_score: float = 0.60
    cross_language_min_score: float = 0.60  # min_score when the best hit is in another language
    min_coverage: float = 0.60
    general_specificity: bool = False  # weigh key terms by how specific they are in the language
    # at large (knowledge/language/frequency.py) in term coverage and answerability
    low_coverage_score: float = 0.80
    ambiguity_margin: float = 0.005
    ambiguity_min_score: float = 0.80
    title_tie_margin: float = 0.0  # 0 = off; see decide.title_ties
    ambiguous_descriptions: bool = True  # clarify "the hurricane" when the passages know several
    fallback_languages: tuple[str, ...] = ("en",)  # content languages to quote, in order, when
    # nothing relevant is in the visitor's language
    # answerability (knowledge/answer/answerability.py): logistic weights per FEATURES, for a
    # primary passage in the question's language and in another; () = off
    answerability_same: tuple[float, ...] = ()
    answerability_cross: tuple[float, ...] = ()
    answerability_min: float = 0.5  # below this probability the passage does not answer
    answerability_cross_min: float = 0.5  # the same for a passage in another language
    cross_lingual_mix: float = 0.0  # weight of a second, independent multilingual encoder (USE)
    # in the relevance of a passage in another language than the question; 0 = off
    # (knowledge/answer/crosslingual.py)
    translation_min_score: float = 0.75  # a passage and its translation score above this
    # (knowledge/answer/fallback.py)
    max_options: int = 3
    max_clarifications: int = 2  # set from the profile only (handoff.max_clarifications)
    max_passages: int = 2
    max_sentences: int = 4
    retrieve_k: int = 8
    history_turns: int = 6

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> AnswerConfig:
        known = {f.name: f.type for f in fields(cls)}
        if "max_clarifications" in data:  # one place for it: the profile
            raise ValueError("answering: set max_clarifications in agent_profile.yml (handoff)")
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown answering settings: {sorted(unknown)}")
        if "fallback_languages" in data:
            langs = data["fallback_languages"] or ()
            if isinstance(langs, str):  # "fallback_languages: en" means one language, not "e", "n"
                langs = (langs,)
            data = {**data, "fallback_languages": tuple(str(x) for x in langs)}
        for name in ("answerability_same", "answerability_cross"):
            if name in data:
                weights = tuple(float(x) for x in data[name] or ())
                if weights and len(weights) != len(FEATURES):
                    raise ValueError(
                        f"answering: {name} needs {len(FEATURES)} weights ({', '.join(FEATURES)}),"
                        f" got {len(weights)}: refit with benchmarks/tune_answering.py --fit"
                    )
                data = {**data, name: weights}
        config = cls(**data)
        if config.evidence not in ("fused", "vector"):
            raise ValueError("answering: evidence must be 'fused' or 'vector'")
        return config


def load_config(path: Path) -> AnswerConfig:
    """Read thresholds from YAML; a missing file means the built-in defaults."""
    if not path.exists():
        return AnswerConfig()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return AnswerConfig.from_mapping(data)


@lru_cache(maxsize=1)
def get_answer_config() -> AnswerConfig:
    """Process-wide thresholds from `<bot_dir>/answering.yml`, with the profile's handoff limit."""
    from dataclasses import replace

    from knowledge.profile import get_profile
    from knowledge.settings import get_settings

    config = load_config(get_settings().bot_dir / "answering.yml")
    return replace(config, max_clarifications=get_profile().max_clarifications)
