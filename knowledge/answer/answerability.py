"""Does the passage an answer would quote contain what was asked? Signals that generalise.

Relevance alone cannot tell: when the page that answers "How do I change the screen
brightness?" is missing, "Change the screen resolution" still scores high. What gives it away
is that the question's *specific* terms are absent from the passage, so the signals here are
about which terms the passage carries, not how similar it is:

- **Specificity by the index's own evidence**: a term is specific when few of the retrieved
  passages (the corpus's neighbourhood of the question) contain it ("brightness"), generic when
  most do ("screen", "change"). Weighted coverage counts the specific terms most.
- **Specificity in the language at large**: a word every language user says ("able", "sure",
  "kunnen") is generic whatever the index holds (`general_specificity` in answering.yml;
  knowledge/language/frequency.py).
- **Named things**: numbers, versions, acronyms and capitalised names ("Bluetooth", "2FA",
  "Ubuntu 24.04") are the same in every language, so they are checked across languages too; a
  named thing missing from the passage is strong evidence it is about something else.
- **Margin**: how far the primary passage's topic stands above the best other topic.

`score()` combines them with weights fitted on the dev halves of the removed-page evals
(`benchmarks/tune_answering.py --fit`) into a calibrated probability that the passage answers;
`bot/answering.yml` holds the weights and the threshold. Pure functions over hits, no model.
The exact-title check (`exact_title`) lives here too: a question that is, word for word or term
for term, a page title or section heading ("1.7. How do I pair a device?") is that section.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.answer.terms import key_terms, stem, words
from knowledge.language.frequency import specificity
from knowledge.language.lexicon import question_openers
from knowledge.types import SearchHit

_RAW = re.compile(r"[^\W_]+(?:[.'’-][^\W_]+)*", re.UNICODE)
_NUMBERING = re.compile(r"^\s*(?:(?:\d+[.)]?)+|[A-Za-z][.)])\s+")
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


def normalise_title(text: str) -> str:
    """A title or question without leading numbering ("1.7."), punctuation, case or spacing."""
    text = unicodedata.normalize("NFKC", text)
    text = _NUMBERING.sub("", text.strip())
    return " ".join(_PUNCT.sub(" ", text).casefold().split())


# kinds whose opening words also open statements ("When I pay, I get an error"): without a
# question mark a visitor's message does not ask for them
_CLAUSE_KINDS = frozenset({"place", "time", "person"})


def question_kind(text: str, language: str, *, label: bool = False) -> str | None:
    """What a question asks for, by its opening word(s): a reason, place, time, person or
    thing (`knowledge.language.lexicon.KINDS`), or None (a yes/no question, a statement, an
    imperative title such as "Change the screen brightness"). A `label` (a title or heading)
    needs no question mark."""
    opening = words(_NUMBERING.sub("", text.strip()))[:2]
    if not opening:
        return None
    openers = question_openers(language)
    kind = openers.get(" ".join(opening)) or openers.get(opening[0])
    if kind in _CLAUSE_KINDS and not label and "?" not in text:
        return None
    return kind


def label_kind(hit: SearchHit) -> str | None:
    """What the nearest label of `hit` that asks something asks for: its section heading, else
    its page title ("Why does my computer turn off when I close the lid?" -> reason)."""
    for text in (*reversed(hit.chunk.heading_path), hit.chunk.title):
        kind = question_kind(text, hit.chunk.language, label=True)
        if kind is not None:
            return kind
    return None


def _labels(hit: SearchHit) -> tuple[str, ...]:
    c = hit.chunk
    return tuple(x for x in (c.title, *c.heading_path) if x)


def exact_title(
    question: str, hits: Sequence[SearchHit], language: str
) -> tuple[SearchHit, bool] | None:
    """The hit whose title or section heading is the question, and whether word for word.

    Word for word means equal once numbering, punctuation and case are gone; otherwise "term
    for term": the same key terms ("How do I reset my password?" and "Resetting your
    password"). Only hits in the question's language count, and only when every matching hit is
    on one page (two pages both headed "Overview" are a real tie, not an exact match; two
    sections of one page both carry its title, and its best-ranked one answers).
    """
    asked = normalise_title(question)
    stems = frozenset(stem(t) for t in key_terms(question, language))
    if not asked:
        return None
    found: list[tuple[SearchHit, bool]] = []
    for hit in hits:
        if hit.chunk.language != language:
            continue
        for label in _labels(hit):
            if normalise_title(label) == asked:
                found.append((hit, True))
                break
            label_stems = frozenset(stem(t) for t in key_terms(label, language))
            if stems and label_stems == stems:
                found.append((hit, False))
                break
    if not found:
        return None
    exact = [f for f in found if f[1]] or found
    # several sections of one page carry its title: that page, from its best-ranked section;
    # the same label on two pages is a tie between them
    if len({f[0].chunk.doc_id for f in exact}) > 1:
        return None
    return exact[0]


@dataclass(frozen=True)
class Term:
    """One key term of the question: its matching stem and whether it names a thing."""

    word: str
    stem: str
    named: bool
    general: float = 1.0  # specificity in the language at large (knowledge/language/frequency.py)


def _named(token: str, first: bool, language: str) -> bool:
    """A number, version, acronym or mid-sentence capitalised word (not in German, which
    capitalises every noun)."""
    if any(ch.isdigit() for ch in token):
        return True
    letters = [ch for ch in token if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True  # "VPN", "GNOME"
    if any(ch.isupper() for ch in token[1:]):
        return True  # "iPhone", "GitHub"
    return language != "de" and not first and token[:1].isupper()


def question_terms(question: str, language: str, general: bool = False) -> tuple[Term, ...]:
    """Key terms with their stems, plus the named things (numbers and versions included).

    With `general`, each word carries its specificity in the language at large
    (knowledge/language/frequency.py), so "able" or "kunnen" weigh next to nothing even where
    few retrieved passages contain them; otherwise every word counts by the index alone.
    """
    keys = key_terms(question, language)
    key_set = set(keys)
    named: dict[str, bool] = {}
    for i, token in enumerate(_RAW.findall(question)):
        low = token.lower()
        if _named(token, i == 0, language) and (low in key_set or any(c.isdigit() for c in low)):
            named.setdefault(low, True)
    out = [
        Term(w, stem(w), named.get(w, False), specificity(w, language) if general else 1.0)
        for w in keys
    ]
    out += [Term(w, w, True) for w in named if w not in key_set and len(w) > 1]
    return tuple(out)


def _vocab(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(stems of the words, raw lower-case tokens with versions kept whole) of a passage."""
    raw = frozenset(t.lower() for t in _RAW.findall(text))
    return frozenset(stem(w) for w in words(text)), raw


def _text(hit: SearchHit) -> str:
    c = hit.chunk
    return f"{c.title} {' '.join(c.heading_path)} {c.text}"


def _contains(term: Term, vocab: tuple[frozenset[str], frozenset[str]]) -> bool:
    stems, raw = vocab
    return term.stem in stems or term.word in raw


@dataclass(frozen=True)
class Signals:
    """The answerability features of one question over its primary topic."""

    coverage: float  # specificity-weighted share of the question's terms in the primary topic
    missing_named: int  # named things of the question the primary topic never mentions
    margin: float  # primary topic's relevance minus the best other topic's
    cross: bool  # the primary passage is in another language than the question
    missing: float = 0.0  # share of the counted terms the primary topic lacks (unweighted)
    unseen: float = 0.0  # share of the counted terms no retrieved passage contains
    title_coverage: float = 1.0  # weighted share of the counted terms in the topic's title and
    # section headings: a help page is named after what it answers
    spread: float = 0.0  # primary relevance minus the mean of all other retrieved passages'
    cognates: float = 1.0  # share of all key terms (words too) matched on a 4-letter prefix:
    # across languages, shared words ("batterij"/"battery", "netwerk"/"network") still match
    keyword: float = 1.0  # the primary passage's keyword score relative to the query's best
    # keyword match (1.0 = the keyword side ranks it first too; 0 across languages)
    asks_other: bool = False  # the question asks for another kind of thing than the primary
    # topic's title or heading ("Why ...?" over "How do I ...?"; `question_kind`)

    def features(self, top: float) -> tuple[float, ...]:
        """The model's inputs, in the order of `answerability_*` weights in answering.yml."""
        return (
            1.0,
            top,
            self.coverage,
            min(self.missing_named, 2) / 2,
            self.margin,
            self.missing,
            self.unseen,
            self.title_coverage,
            self.spread,
            self.cognates,
            self.keyword,
            float(self.asks_other),
        )


FEATURES = (
    "bias",
    "top",
    "coverage",
    "missing_named",
    "margin",
    "missing",
    "unseen",
    "title_coverage",
    "spread",
    "cognates",
    "keyword",
    "asks_other",
)


def _topic(hit: SearchHit) -> str:
    return hit.chunk.title.strip().lower() or hit.chunk.doc_id


def _prefixes(text: str) -> frozenset[str]:
    return frozenset(w[:4] for w in words(text) if len(w) >= 4)


def signals(
    terms: Sequence[Term],
    hits: Sequence[SearchHit],
    primary: SearchHit,
    relevance: dict[str, float],
    language: str,
    question: str = "",
) -> Signals:
    """Answerability features of `primary`'s topic (all its hits) among `hits`.

    `relevance` maps chunk id -> relevance on the decision's scale. A term's weight is its
    inverse document frequency among the retrieved passages (log((n + 1) / (df + 0.5)), always
    positive) times its specificity in the language at large (`Term.general`), plus 1 for a
    named thing, so a specific term the passage lacks costs most.
    """
    key = _topic(primary)
    mine = [h for h in hits if _topic(h) == key]
    vocab_primary = _vocab(" ".join(_text(h) for h in mine))
    vocab_title = _vocab(
        " ".join(f"{h.chunk.title} {' '.join(h.chunk.heading_path)}" for h in mine)
    )
    pool = [h for h in hits if h.chunk.language == primary.chunk.language] or list(hits)
    vocabs = [_vocab(_text(h)) for h in pool]
    cross = primary.chunk.language != language
    total = covered = titled = 0.0
    missing_named = counted = missing = unseen = 0
    for term in terms:
        if cross and not term.named:
            continue  # words do not match across languages; named things do
        df = sum(_contains(term, v) for v in vocabs)
        counted += 1
        unseen += df == 0
        idf = math.log((len(vocabs) + 1) / (df + 0.5))
        weight = idf * term.general + (1.0 if term.named else 0.0)
        total += weight
        titled += weight * _contains(term, vocab_title)
        if _contains(term, vocab_primary):
            covered += weight
            continue
        missing += 1
        missing_named += term.named
    prefixes = _prefixes(" ".join(_text(h) for h in mine))
    worded = [t for t in terms if len(t.word) >= 4]
    cognates = sum(t.word[:4] in prefixes for t in worded) / len(worded) if worded else 1.0
    others = [relevance.get(h.chunk.id, h.score) for h in hits if _topic(h) != key]
    mine_score = relevance.get(primary.chunk.id, primary.score)
    rest = [relevance.get(h.chunk.id, h.score) for h in hits if h is not primary]
    asked = question_kind(question, language) if question else None
    offered = label_kind(primary) if asked else None
    return Signals(
        coverage=covered / total if total else 1.0,
        missing_named=missing_named,
        margin=mine_score - max(others, default=0.0),
        cross=cross,
        missing=missing / counted if counted else 0.0,
        unseen=unseen / counted if counted else 0.0,
        title_coverage=titled / total if total else 1.0,
        spread=mine_score - sum(rest) / len(rest) if rest else 0.0,
        cognates=cognates,
        keyword=primary.keyword_score or 0.0,
        asks_other=asked is not None and offered is not None and asked != offered,
    )


def score(weights: Sequence[float], features: Sequence[float]) -> float:
    """Logistic probability that the passage answers (weights fitted by tune_answering)."""
    z = sum(w * x for w, x in zip(weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
