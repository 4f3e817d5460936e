"""Per-language grammar words the reference checks read (`referents.py`, `entities.py`).

Closed-class words only (articles, links, copulas, verb particles) plus a few nouns a sentence
uses about itself ("this year", "this kind of"): no list of topics or named-thing categories,
so nothing here is shaped by one dataset. Pronouns and demonstratives are
`knowledge.language`'s lists for the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.language import demonstratives, referring_pronouns


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Grammar:
    """The words of one language that mark a reference and what names it."""

    code: str
    definite: frozenset[str]  # "the": a definite description follows
    opening_demonstrative: re.Pattern[str]  # "This is one of few stadiums..."
    relatives: frozenset[str]  # demonstratives that also join clauses ("the icon that looks")
    links: frozenset[str]  # words that introduce the name after a noun ("of", "called")
    personal: frozenset[str]  # "the country I live in", "the film you showed"
    copulas: frozenset[str]  # "<Name> is a ... chain": a passage defining what it is about
    indefinite: frozenset[str]  # the articles after a copula ("is an American chain")
    plural_endings: tuple[str, ...]
    names_capitalised: bool = True  # German capitalises every noun: no "is it a name" test
    head_last: bool = True  # a noun phrase ends in its head ("fast food chain"), not French
    # articles that are also object pronouns: Dutch "het" in "Hoe stuur ik het terug?"
    article_pronouns: frozenset[str] = frozenset()
    particles: frozenset[str] = frozenset()  # separable-verb particles after such a pronoun
    # nouns a determiner picks out of the sentence itself ("this year", "the way")
    generic: frozenset[str] = frozenset()
    # "this kind of transaction" points at the transaction: resolved when that was talked about
    kinds: frozenset[str] = frozenset()
    # "is that true?": the demonstrative is the subject, not a determiner
    predicates: frozenset[str] = frozenset()
    # "is it possible to ...": a pronoun that stands for nothing
    expletive: re.Pattern[str] | None = None

    @property
    def demonstratives(self) -> frozenset[str]:
        return demonstratives(self.code)

    @property
    def pronouns(self) -> frozenset[str]:
        return referring_pronouns(self.code)

    @property
    def sentence_nouns(self) -> frozenset[str]:
        """Words that head no description of their own ("the way", "the kind", "the truth")."""
        return self.generic | self.kinds | self.predicates


GRAMMARS: dict[str, Grammar] = {
    "en": Grammar(
        code="en",
        definite=_set("the"),
        opening_demonstrative=re.compile(
            r"^\s*(this|that|these|those)\s+(is|are|was|were)\b", re.IGNORECASE
        ),
        relatives=_set("that"),
        links=_set("of called named"),
        personal=_set("i i'm we you my our your"),
        copulas=_set("is was are were"),
        indefinite=_set("a an the one"),
        plural_endings=("es", "s"),
        generic=_set(
            "way time case moment year week month day today weekend morning evening night "
            "thing things"
        ),
        kinds=_set("kind kinds type types sort sorts"),
        predicates=_set(
            "true correct right wrong possible normal safe free available okay real necessary "
            "required"
        ),
        expletive=re.compile(
            r"\b(is|was|will|would|isn't|wasn't)\s+it\s+(possible|necessary|ok|okay|"
            r"safe|true|worth|free|allowed|normal|easy|hard|better|best|legal|"
            r"required|mandatory)\b|\bit\s+(is|was|'s)\s+(possible|necessary)\b",
            re.IGNORECASE,
        ),
    ),
    "nl": Grammar(
        code="nl",
        definite=_set("de het"),
        opening_demonstrative=re.compile(
            r"^\s*(dit|dat|deze)\s+(is|zijn|was|waren)\b", re.IGNORECASE
        ),
        relatives=_set("die dat"),
        links=_set("van genaamd"),
        personal=_set("ik we wij jij je u mijn ons onze jouw uw"),
        copulas=_set("is was zijn waren"),
        indefinite=_set("een de het"),
        plural_endings=("en", "s"),
        article_pronouns=_set("het"),
        particles=_set(
            "terug op aan uit in af weg door mee om over toe bij na voor dicht open kwijt"
        ),
        generic=_set("manier keer tijd geval moment jaar week maand dag"),
        kinds=_set("soort soorten type types"),
        predicates=_set("waar juist correct mogelijk normaal veilig gratis beschikbaar nodig"),
    ),
    "de": Grammar(
        code="de",
        definite=_set("der die das dem den des"),
        opening_demonstrative=re.compile(
            r"^\s*(das|dies|dieses)\s+(ist|sind|war|waren)\b", re.IGNORECASE
        ),
        relatives=frozenset(),
        links=_set("von namens"),
        personal=_set("ich wir du sie mein meine unser unsere dein deine ihr ihre"),
        copulas=_set("ist war sind waren"),
        indefinite=_set("ein eine einer der die das"),
        plural_endings=("en", "n", "e", "s"),
        names_capitalised=False,
        generic=_set("weise mal zeit fall moment jahr woche monat tag"),
        kinds=_set("art arten typ typen sorte sorten"),
        predicates=_set("wahr richtig möglich normal sicher kostenlos verfügbar nötig"),
    ),
    "fr": Grammar(
        code="fr",
        definite=_set("le la les l"),
        opening_demonstrative=re.compile(r"^\s*(c'est|ce sont|c'était)\b", re.IGNORECASE),
        relatives=frozenset(),
        links=_set("de du des appelé appelée nommé nommée"),
        personal=_set("je j nous vous tu mon ma mes notre nos votre vos"),
        copulas=_set("est était sont étaient"),
        indefinite=_set("un une le la l"),
        plural_endings=("s", "x"),
        head_last=False,
        generic=_set("façon manière fois moment cas année semaine mois jour"),
        kinds=_set("genre genres sorte sortes type types"),
        predicates=_set("vrai correct possible normal gratuit disponible nécessaire"),
    ),
    "es": Grammar(
        code="es",
        definite=_set("el la los las"),
        opening_demonstrative=re.compile(
            r"^\s*(esto|eso|este|esta)\s+(es|son|era|fue)\b", re.IGNORECASE
        ),
        relatives=frozenset(),
        links=_set("de del llamado llamada"),
        personal=_set("yo nosotros tú usted mi mis nuestro nuestra tu tus su sus"),
        copulas=_set("es era fue son eran"),
        indefinite=_set("un una el la"),
        plural_endings=("es", "s"),
        head_last=False,
        generic=_set("forma manera vez momento caso año semana mes día"),
        kinds=_set("tipo tipos clase clases"),
        predicates=_set("verdad cierto correcto posible normal seguro gratis disponible necesario"),
    ),
}


def grammar(language: str) -> Grammar:
    """The grammar words of `language` (English's for a language without a table)."""
    return GRAMMARS.get(language, GRAMMARS["en"])
