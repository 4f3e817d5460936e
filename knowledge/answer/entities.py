"""Which named things stand behind a noun in the top passages: does "the hurricane" say which?

"What did the state do about the hurricane's impact?" reads like any question; what makes it
underspecified is that the content knows several hurricanes ("Hurricane Katrina", "Hurricane
Gloria"), while "How do I reset the password?" finds passages about the one password and no
named passwords at all. So a definite description is judged by the passages the question
retrieves, not by a list of nouns: the names written next to the noun ("California State
Library", "Hurricane Isaac"), and the passages that define their subject as one ("In-N-Out
Burger is an American chain of fast food restaurants"), and the page titles that name a kind
of it ("Purchase Loan" and "VA Home Loan": "the loan" says neither).

Names the question itself gives ("the McDonald's franchise", "the Superior Court") keep only
the instances that carry them, so "the McDonald's franchise" is one thing and "the Superior
Court" of many counties is still several. Pure functions over text, per language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.answer.referent_words import Grammar, grammar
from knowledge.answer.referents import Reference
from knowledge.answer.terms import stem, stop_words
from knowledge.language import tokens as split_tokens

_ENDS = frozenset(".!?:;")
_LINES = re.compile(r"[\n|]+")  # headings, list lines and table cells end a name too
_POSSESSIVE = re.compile(r"['’]s?$")
_JOINS = frozenset(["of", "&", "-", "de", "van", "von", "du", "del", "der", "des"])
_MAX_NAME = 4  # words in a name next to the noun ("Lyle C. Pearson ...")
_DEFINITION_SPAN = 10  # words after "<Name> is a" in which the noun must follow


def _same(word: str, noun: str, endings: tuple[str, ...] = ("es", "s")) -> bool:
    """`word` is `noun`, in the singular or plural ("hurricanes", "library's", "libraries"),
    never a look-alike ("county" is no "country")."""
    low = _POSSESSIVE.sub("", word.lower())
    if low == noun:
        return True
    if noun.endswith("y") and low == f"{noun[:-1]}ies":
        return True
    return any(low == noun + e or noun == low + e for e in endings)


def _heading(line: str) -> bool:
    """A title-cased line ("Market Makers And Dealers"): every word is capitalised there."""
    found = [t for t in split_tokens(line) if t[:1].isalpha() and len(t) > 3]
    return len(found) > 1 and all(t[:1].isupper() for t in found)


def _capital(token: str) -> bool:
    return token[:1].isupper() or token[:1].isdigit()


def _starts(tokens: list[str], i: int) -> bool:
    """Whether position `i` opens a sentence (its capital says nothing)."""
    return i == 0 or tokens[i - 1] in _ENDS


def _walk(tokens: list[str], i: int, step: int, stops: frozenset[str]) -> list[str]:
    """Capitalised words next to position `i` in direction `step`, joins inside a name kept."""
    name: list[str] = []
    j = i + step
    while 0 <= j < len(tokens) and len(name) < _MAX_NAME:
        token = tokens[j]
        if _capital(token) and token.lower() not in stops:
            if step < 0 and _starts(tokens, j) and not name:
                break  # "Library hours are ...": a sentence opening, no name
            name.append(token)
        elif token.lower() in _JOINS and 0 <= j + step < len(tokens) and _capital(tokens[j + step]):
            name.append(token)
        else:
            break
        j += step
    while name and name[-1].lower() in _JOINS:
        name.pop()
    return name[::-1] if step < 0 else name


def _name(words: list[str]) -> str:
    return " ".join(_POSSESSIVE.sub("", w.lower()) for w in words)


def _named_next_to(
    tokens: list[str], noun: str, stops: frozenset[str], endings: tuple[str, ...]
) -> set[str]:
    """Names written next to the noun: "California State Library", "Hurricane Katrina"."""
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if not _same(token, noun, endings):
            continue
        before = _walk(tokens, i, -1, stops)
        after = _walk(tokens, i, 1, stops) if _capital(token) else []
        words = [w for w in (*before, *after) if w.lower() not in _JOINS]
        if words:
            out.add(_name(words))
    return out


def _defined_as(tokens: list[str], noun: str, rules: Grammar, stops: frozenset[str]) -> set[str]:
    """Subjects the passage defines as one of the noun's kind ("<Name> is a/an ... noun")."""
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if token.lower() not in rules.copulas or i + 1 >= len(tokens):
            continue
        if tokens[i + 1].lower() not in rules.indefinite:
            continue
        name: list[str] = []
        j = i - 1
        while j >= 0 and tokens[j] not in _ENDS and len(name) <= _MAX_NAME:
            name.append(tokens[j])
            j -= 1
        named = [w for w in name if _capital(w) and w.lower() not in stops]
        if not named or len(name) > _MAX_NAME:
            continue  # a clause, not a name, before the copula
        span = tokens[i + 2 : i + 2 + _DEFINITION_SPAN]
        ended = next((k for k, t in enumerate(span) if t in _ENDS), len(span))
        if any(_same(t, noun, rules.plural_endings) for t in span[:ended]):
            out.add(_name([w for w in name[::-1] if w.lower() not in _JOINS]))
    return out


def _title_kinds(
    title: str, noun: str, stops: frozenset[str], endings: tuple[str, ...]
) -> set[str]:
    """Kinds of the noun a page title names: "Purchase Loan", "VA Home Loan" (capitalised
    words before it, the noun capitalised too), "Grey's Anatomy (season 7)" (a number after it).

    A title is about one thing, so the words it puts next to the noun say which one, even when
    they are ordinary words ("purchase") or a number that a sentence would not make a name. A
    sentence-case title ("Get the most out of your laptop battery") names no kind: its words
    before the noun are the sentence's.
    """
    tokens = split_tokens(title)
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if not _same(token, noun, endings):
            continue
        before: list[str] = []
        j = i - 1
        while _capital(token) and j >= 0 and len(before) < 2:
            if not _capital(tokens[j]) or tokens[j].lower() in stops:
                break
            before.insert(0, tokens[j])
            j -= 1
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before:
            out.add(_name(before))
        elif after[:1].isdigit():
            out.add(after)
    return out


def _merge(names: Iterable[str]) -> list[str]:
    """Distinct names, a name inside a longer one counted once ("state library" in
    "california state library")."""
    ordered = sorted(set(names), key=lambda n: -len(n.split()))
    kept: list[frozenset[str]] = []
    out: list[str] = []
    for name in ordered:
        words = frozenset(name.split())
        if any(words <= k for k in kept):
            continue
        kept.append(words)
        out.append(name)
    return out


def named_instances(
    noun: str, passages: Sequence[str], language: str, given: Iterable[str] = ()
) -> list[str]:
    """The distinct named things of kind `noun` the passages speak of, longest names first.

    A passage's first line is its title, the name of what the page is about ("Hurricane
    Gloria"); other title-cased lines (headings) capitalise every word and are skipped.

    `given` are the name words the question put in its phrase ("mcdonald's"): only instances
    that carry all of them count. A name needs a proper word, one the passages never write in
    lower case ("Katrina", "VA"): a help page's labels ("Automatic Brightness" next to
    "screen") are made of ordinary words. Names found in one passage only count as one thing (a
    page naming its own buttons "Change Password", "Set Password" is still about one password).
    A page title names one too, whatever its words, when it is title-cased or numbered
    ("Purchase Loan", "Grey's Anatomy (season 7)", see `_title_kinds`) and carries the names
    the question gives.
    """
    rules = grammar(language)
    if not rules.names_capitalised:
        return []  # every German noun is capitalised: names cannot be told from nouns
    stops = stop_words(language)
    want = {stem(w.lower()) for w in given}
    tokenised = [
        [
            t
            for n, line in enumerate(_LINES.split(text))
            if n == 0 or not _heading(line)
            for t in (*split_tokens(line), ".")
        ]
        for text in passages
    ]
    common = {_POSSESSIVE.sub("", t) for tokens in tokenised for t in tokens if t.islower()}
    found: dict[str, int] = {}
    for k, tokens in enumerate(tokenised):
        named = _named_next_to(tokens, noun, stops, rules.plural_endings)
        for name in named | _defined_as(tokens, noun, rules, stops):
            words = [w for w in name.split() if not _same(w, noun, rules.plural_endings)]
            proper = [w for w in words if w not in common and not w.isdigit()]
            if proper and want <= {stem(w) for w in words}:
                found.setdefault(" ".join(words), k)
        title = _LINES.split(passages[k], maxsplit=1)[0]
        title_words = {stem(w) for w in _name(split_tokens(title)).split()}
        if not want <= title_words:
            continue
        for kind in _title_kinds(title, noun, stops, rules.plural_endings):
            found.setdefault(kind, k)
    names = _merge(found)
    return names if len({found[n] for n in names}) > 1 else names[:1]


def open_reference(
    refs: Sequence[Reference], passages: Sequence[str], language: str, descriptions: bool = True
) -> str:
    """The thing the question leaves open given the top `passages`, or "".

    A pointing reference is open as it stands; a description when the passages know two or
    more named things of its kind that fit the names the question gives (`descriptions=False`
    turns descriptions off, for a business whose visitors say "the film" about the one they are
    watching).
    """
    for ref in refs:
        if ref.pointing:
            return ref.thing
        if not descriptions or _written_as_name(ref.phrase, passages):
            continue
        if len(named_instances(ref.thing, passages, language, ref.names)) > 1:
            return ref.thing
    return ""


def _written_as_name(phrase: Sequence[str], passages: Sequence[str]) -> bool:
    """A phrase of two words or more that the passages write as a name: "the bull run" typed
    in lower case is the "Bull Run" of the content, one thing."""
    if len(phrase) < 2:
        return False
    name = " ".join(w[:1].upper() + w[1:] for w in phrase)
    return any(name in text for text in passages)
