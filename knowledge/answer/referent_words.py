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

    @property
    def demonstratives(self) -> frozenset[str]:
        return demonstratives(self.code)

    @property
    def pronouns(self) -> frozenset[str]:
        return referring_pronouns(self.code)


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
    ),
}


def grammar(language: str) -> Grammar:
    """The grammar words of `language` (English's for a language without a table)."""
    return GRAMMARS.get(language, GRAMMARS["en"])


# nouns a determiner picks out of the sentence itself ("this kind of", "this year", "the way")
GENERIC = _set("""
way time case moment year week month day today weekend morning evening night thing things
manier keer tijd geval moment jaar week maand dag
weise mal zeit fall moment jahr woche monat tag
façon manière fois moment cas année semaine mois jour
forma manera vez momento caso año semana mes día
""")
# "this kind of transaction" points at the transaction: resolved when that was talked about
KIND = _set("""
kind kinds type types sort sorts soort soorten art arten typ typen genre genres sorte sortes
tipo tipos clase clases
""")
# "is that true?", "is this correct?": the demonstrative is the subject, not a determiner
PREDICATES = _set("""
true correct right wrong possible normal safe free available okay real necessary required
waar juist correct mogelijk normaal veilig gratis beschikbaar nodig
wahr richtig möglich normal sicher kostenlos verfügbar nötig
vrai correct possible normal gratuit disponible nécessaire
verdad cierto correcto posible normal seguro gratis disponible necesario
""")
EXPLETIVE = re.compile(
    r"\b(is|was|will|would|isn't|wasn't)\s+it\s+(possible|necessary|ok|okay|"
    r"safe|true|worth|free|allowed|normal|easy|hard|better|best|legal|"
    r"required|mandatory)\b|\bit\s+(is|was|'s)\s+(possible|necessary)\b",
    re.IGNORECASE,
)
