"""Does a question point at something it never names? The wording half of underspecification.

Retrieval cannot tell "What did the state do about the hurricane's impact?" from an answerable
question: some page about some hurricane scores well, and answering would be a confident answer
about the wrong one. This module reads the question and the conversation so far and returns the
references they leave open; `entities.py` then asks the top passages whether they settle them
(`knowledge/answer/evidence.py` joins the two):

- **pointing** references are open whatever the content says: a demonstrative with a noun the
  conversation never used ("this library", "these clinics"), or a pronoun opening a first
  message ("Did it win?", "This is one of few stadiums...") with nothing before it;
- **descriptions** ("the hurricane", "the fast food chain", "that NASA mission") are open only
  when the passages know several named things of that kind and the question does not say
  which: "the password" of a help centre names no one of many, so it is left alone.

A noun the conversation already used (inflected or compounded) resolves either kind: the visitor
is continuing a topic. No list of topics or categories: the grammar words per language are in
`referent_words.py`. German capitalises every noun, so names are not told from nouns there and
only demonstratives, pronouns and the conversation count. Pure functions over text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answer.referent_words import Grammar, grammar
from knowledge.language import stop_words
from knowledge.language import tokens as split_tokens

_QUOTES = frozenset('"“”«»')
_POSSESSIVE = re.compile(r"['’]s?$")
_MAX_PHRASE = 3  # words of a description after its article ("the famous French author")
_PRONOUN_MAX_WORDS = 14  # longer first messages usually carry their own referent


@dataclass(frozen=True)
class Reference:
    """Something the question refers to without naming it (see the module docstring)."""

    thing: str  # the noun ("library", "kind of transaction"), or "?" for a bare pronoun
    pointing: bool  # open whatever the passages say; False: open when they know several
    names: tuple[str, ...] = ()  # name words the phrase gives ("nasa"): they narrow it down
    phrase: tuple[str, ...] = ()  # a description's words as written ("bull", "run")


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word.lower())


def _mentioned(noun: str, history: frozenset[str]) -> bool:
    """Whether the conversation used `noun`, inflected or compounded ("clinics", "countries",
    "campground", "Weltkrieg" for "Krieg"), but not a mere look-alike ("animated" is no
    "animal")."""
    if noun in history:
        return True
    if len(noun) >= 4 and noun.endswith("y") and f"{noun[:-1]}ies" in history:
        return True  # "the country" after "countries": startswith cannot see it
    return any(
        (len(noun) >= 4 and (w.startswith(noun) or w.endswith(noun)))
        or (len(w) >= 4 and noun.startswith(w) and len(noun) - len(w) <= 2)
        for w in history
    )


def _is_name(token: str, position: int, rules: Grammar) -> bool:
    """A capitalised word not opening the sentence, or a quote mark: a name or title."""
    if token in _QUOTES:
        return True
    if not rules.names_capitalised or position == 0 or token.lower() == "i":
        return False
    return token[:1].isupper()


def _is_word(token: str) -> bool:
    return token[:1].isalpha()


def _description(
    tokens: list[str],
    start: int,
    rules: Grammar,
    stops: frozenset[str],
    history: frozenset[str],
    pointing: bool,
) -> list[Reference]:
    """The open descriptions of the phrase after the determiner at `start`, one per noun.

    The phrase is the content words that follow (up to `_MAX_PHRASE`, ending at a function
    word or punctuation; "the animal's breed" keeps both the possessor and the possessed);
    any of them may be its head, so each becomes a candidate the passages judge, with the
    phrase's capitalised words as the names it gives (a phrase of names only, "the United
    States", is a name and not open). An of-phrase of names ("the season of Grey's Anatomy")
    adds its names; a phrase restricted otherwise ("the battle of the bull run", "the country
    I live in", "the actor Tom Hanks") or whose words the conversation used is not open.
    After a demonstrative ("that NASA mission") the phrase points back at one thing the
    visitor has in mind, so it is open as it stands, whatever its names.
    """
    phrase: list[tuple[int, str]] = []
    i = start + 1
    while i < len(tokens) and len(phrase) < _MAX_PHRASE:
        token = tokens[i]
        if not _is_word(token) or token.lower() in stops:
            break
        phrase.append((i, token))
        i += 1
    if not phrase:
        return []
    after = tokens[i].lower() if i < len(tokens) else ""
    of_names = _names_after_link(tokens, i, rules)
    if after in rules.personal or after in _QUOTES or (after in rules.links and not of_names):
        return []
    if any(_mentioned(_bare(t), history) for _, t in phrase):
        return []
    labels = {_bare(t) for k, t in enumerate(tokens) if _is_name(t, k, rules)}
    names = tuple(_bare(t) for k, t in phrase if _is_name(t, k, rules)) + of_names
    words = tuple(t for _, t in phrase)
    out = []
    for k, token in phrase:
        noun = _bare(token)
        if _is_name(token, k, rules) or len(noun) < 3 or noun in rules.sentence_nouns:
            continue  # a name is no head: "the United States" names its one thing
        if noun in labels:
            continue  # "the screen in the Screen Lock settings": the content's own label
        out.append(Reference(noun, pointing=pointing, names=names, phrase=words))
    return out[::-1] if rules.head_last else out  # the head first: "fast food chain"


def _names_after_link(tokens: list[str], i: int, rules: Grammar) -> tuple[str, ...]:
    """The names of an of-phrase at `i` ("of Grey's Anatomy"): they narrow the description
    down to that name's things without picking one ("the season of Grey's Anatomy" is one of
    its seasons), so the passages still judge it. Empty for any other restriction ("the battle
    of the bull run", "the country I live in")."""
    if i >= len(tokens) or tokens[i].lower() not in rules.links:
        return ()
    out: list[str] = []
    for k in range(i + 1, min(len(tokens), i + 1 + _MAX_PHRASE)):
        if not (_is_word(tokens[k]) and _is_name(tokens[k], k, rules)):
            break
        out.append(_bare(tokens[k]))
    return tuple(out)


def _demonstrated_noun(tokens: list[str], i: int, rules: Grammar, stops: frozenset[str]) -> bool:
    """Whether the demonstrative at `i` is a determiner of an unnamed noun ("this library").

    Not when it stands alone ("what is that, exactly?", "is that true?"), starts a clause
    ("that descended from"), picks out the sentence's own time or kind ("this year", "this
    kind of") or the noun is a name or followed by one ("this novel "Dune"").
    """
    if tokens[i].lower() in rules.relatives and i > 0:
        before = tokens[i - 1].lower()
        if before[:1].isalnum() and before not in stops:
            return False  # after a noun or verb it joins a clause: "the icon that looks like"
    nxt = _bare(tokens[i + 1])
    if "'" in nxt or "’" in nxt:
        return False  # a contraction: "an application that isn't"
    if (
        len(nxt) < 3
        or nxt in stops
        or nxt in rules.generic
        or nxt in rules.predicates
        or _is_name(tokens[i + 1], i + 1, rules)
    ):
        return False
    if rules.code == "en" and len(nxt) > 5 and nxt.endswith("ed"):
        return False  # a verb: "is this intended", "the language that descended"
    return not (i + 2 < len(tokens) and _is_name(tokens[i + 2], i + 2, rules))


def _pronoun_use(words: list[str], k: int, rules: Grammar) -> bool:
    """Whether an article-or-pronoun ("het") stands alone here: a verb particle or nothing
    follows it ("Hoe zit het met spam?" and "Het waarom van..." are no pronoun uses)."""
    if words[k] not in rules.article_pronouns:
        return False
    nxt = words[k + 1] if k + 1 < len(words) else ""
    return not nxt or nxt in rules.particles  # "stuur ik het terug?", "waar vind ik het?"


def _dangling_pronoun(lowered: list[str], rules: Grammar, stops: frozenset[str]) -> bool:
    """A short first message whose pronoun has nothing before it to stand for ("Did it win?").

    "How do I reset my password if I forgot it?" names its own antecedent: two or more content
    words before the pronoun count as one.
    """
    if rules.expletive is not None and rules.expletive.search(" ".join(lowered)):
        return False  # "is it possible to ...": no referent at all
    words = [w for w in lowered if w[:1].isalnum()]
    if len(words) >= _PRONOUN_MAX_WORDS:
        return False
    for k, word in enumerate(words):
        if word in rules.pronouns or _pronoun_use(words, k, rules):
            content = [w for w in words[:k] if len(w) > 2 and w not in stops]
            return len(content) < 2
    return False


def references(question: str, history_text: str, language: str) -> list[Reference]:
    """The references `question` leaves open given the conversation so far, in order.

    `history_text` is the earlier conversation (both sides); a noun it already used, or the
    question itself used before pointing at it, resolves a reference, and any earlier turn at
    all resolves a pronoun.
    """
    rules = grammar(language)
    stops = stop_words(language)
    earlier = [_bare(t) for t in split_tokens(history_text)]
    tokens = split_tokens(question)
    lowered = [t.lower() for t in tokens]
    out: list[Reference] = []
    for i, word in enumerate(lowered):
        history = frozenset(earlier + [_bare(w) for w in lowered[:i]])
        pointing = word in rules.demonstratives
        if pointing and i + 1 < len(tokens):
            nxt = _bare(lowered[i + 1])
            if nxt in rules.kinds and i + 3 < len(tokens) and lowered[i + 2] in rules.links:
                if not _mentioned(_bare(lowered[i + 3]), history):
                    out.append(Reference(" ".join(lowered[i + 1 : i + 4]), pointing=True))
                continue  # "this type of violence"
            if _demonstrated_noun(tokens, i, rules, stops):
                if not _mentioned(nxt, history):
                    out.append(Reference(nxt, pointing=True))
                continue
        named_next = i + 1 < len(tokens) and _is_name(tokens[i + 1], i + 1, rules)
        if (word in rules.definite or (pointing and named_next)) and rules.names_capitalised:
            out.extend(_description(tokens, i, rules, stops, history, pointing))
    if not earlier and (
        rules.opening_demonstrative.search(question) or _dangling_pronoun(lowered, rules, stops)
    ):
        out.insert(0, Reference("?", pointing=True))
    return out


def leans_on_pronoun(question: str, language: str) -> bool:
    """Whether `question` leans on a pronoun for its subject ("Did it receive any awards?",
    "How can we enhance its performance?"): a pronoun with fewer than two content words before
    it. In a follow-up the conversation usually resolves it; when the content then finds
    nothing relevant, the likelier failure is a reference we read wrongly (the chain's rule
    `lost_reference`)."""
    rules = grammar(language)
    lowered = [t.lower() for t in split_tokens(question)]
    return _dangling_pronoun(lowered, rules, stop_words(language))


def unresolved_reference(question: str, history_text: str, language: str) -> str:
    """The thing `question` points at whatever the content says ("library", "?"), or ""."""
    return next((r.thing for r in references(question, history_text, language) if r.pointing), "")
