"""Fixed retrieval results and thresholds on their scale, for every suite that runs the answer
chain without a store or a model (tests/knowledge/answer, tests/knowledge/cli, tests/actions)."""

from __future__ import annotations

import hashlib

from knowledge.answer.config import AnswerConfig
from knowledge.types import Chunk, SearchHit


def make_hit(
    title: str,
    text: str,
    score: float,
    *,
    lang: str = "en",
    url: str | None = None,
    doc: str | None = None,
) -> SearchHit:
    doc_id = doc or title.lower().replace(" ", "-")
    chunk = Chunk(
        id=hashlib.sha1(f"{doc_id}{text}".encode()).hexdigest()[:12],
        source="help",
        doc_id=doc_id,
        title=title,
        url=url or f"https://help.example.com/{lang}/{doc_id}",
        language=lang,
        heading_path=(),
        text=text,
        content_hash="x",
    )
    return SearchHit(chunk=chunk, score=score, vector_score=score, keyword_score=None)


PASSWORD_EN = (
    "You can reset your password from the login page.\n\n"
    "1. Click Forgot password.\n2. Enter your e-mail address.\n"
    "3. Follow the link in the e-mail.\n\n"
    "The reset link expires after 24 hours."
)
PASSWORD_NL = (
    "Je kunt je wachtwoord opnieuw instellen via de inlogpagina.\n\n"
    "1. Klik op Wachtwoord vergeten.\n2. Vul je e-mailadres in.\n3. Volg de link in de e-mail."
)
REFUND_EN = "Refunds are paid within 14 days after we receive the returned item."


def fixed_scale_config() -> AnswerConfig:
    """Decision thresholds on the scale of the hits above (fused scores around 0.3-0.7); the
    shipped thresholds are tuned on real retrieval in benchmarks/."""
    return AnswerConfig(
        evidence="fused",
        min_score=0.3,
        min_coverage=0.4,
        low_coverage_score=0.62,
        ambiguity_margin=0.03,
        ambiguity_min_score=0.3,
        max_clarifications=2,
    )
