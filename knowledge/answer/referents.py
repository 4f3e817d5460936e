"""Does a question point at something it never names? The underspecification signal.

Retrieval cannot tell "What is the actor's approach to fitness?" from an answerable question:
some page about some actor's fitness scores well, and answering it would be a confident answer
about the wrong person. What marks such a question is its wording, so this is decided before
retrieval evidence is weighed, from the question and the conversation so far:

- a demonstrative with a noun the conversation never used ("this library", "these clinics");
- a definite description of a *named-thing category* ("the actor", "the country's stadium",
  "the famous French author"): people, places, works and events are identified by
  name, so "the X" with no name in the phrase, after it ("the actor Tom Hanks", "the battle of
  Bull Run") or earlier in the conversation leaves the visitor's meaning open;
- a third-person pronoun or a demonstrative pronoun opening a first message ("Did it win?",
  "This is one of few stadiums...") with nothing before it to point back to.

The category lists deliberately leave out nouns a business uses for itself or its own things
("the company", "the bank", "the store", "the app", "the chain", "the player", "the album"): on
a company's own help centre those are its own things, not ambiguous (an e-bike shop's "the
chain" is on the bike). `answering.yml: unnamed_categories: false` turns the category rule
off. German capitalises every noun, so the "name in the phrase" test is off for German and
only the conversation resolves a description there.

Pure functions over text (no model): cheap enough for every turn, unit-tested per rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.language import demonstratives, referring_pronouns, stop_words
from knowledge.language import tokens as split_tokens

_QUOTES = frozenset('"“”«»')
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True)
class _Rules:
    code: str  # its pronouns and demonstratives are knowledge.language's lists for this code
    definite: frozenset[str]
    opening_demonstrative: re.Pattern[str]
    relatives: frozenset[str]  # demonstratives that also join clauses ("the icon that looks")
    links: frozenset[str]  # words that introduce the name after a noun ("of", "called")
    personal: frozenset[str]  # "the country I live in", "the film you showed"
    nouns: frozenset[str]  # categories of named things
    plural_endings: tuple[str, ...]
    names_capitalised: bool = True
    # articles that are also object pronouns: Dutch "het" in "Hoe stuur ik het terug?"
    article_pronouns: frozenset[str] = frozenset()
    particles: frozenset[str] = frozenset()  # separable-verb particles after such a pronoun

    @property
    def demonstratives(self) -> frozenset[str]:
        return demonstratives(self.code)

    @property
    def pronouns(self) -> frozenset[str]:
        return referring_pronouns(self.code)


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_NOUNS = _set("""
actor actress singer author writer novelist poet painter artist musician composer rapper
athlete footballer coach president senator governor mayor politician minister king queen
prince princess emperor pope founder celebrity scientist inventor explorer
band franchise
country nation village county province island stadium river lake mountain
book novel movie film series show sitcom song poem painting sculpture episode musical
opera documentary
war battle hurricane storm earthquake tornado election mission tournament championship
festival revolution disaster
animal breed species
""")
_NL_NOUNS = _set("""
acteur actrice zanger zangeres auteur schrijver dichter schilder kunstenaar muzikant componist
atleet voetballer president senator gouverneur burgemeester politicus minister
koning koningin prins prinses keizer paus oprichter wetenschapper uitvinder
franchise
land dorp provincie eiland stadion rivier berg
boek roman film serie show liedje lied gedicht schilderij aflevering musical opera
documentaire
oorlog veldslag orkaan storm aardbeving verkiezing verkiezingen missie toernooi
kampioenschap festival revolutie ramp
dier ras diersoort
""")
_DE_NOUNS = _set("""
schauspieler schauspielerin sänger sängerin autor autorin schriftsteller dichter maler künstler
musiker komponist sportler fußballer präsident senator gouverneur bürgermeister
politiker minister könig königin prinz prinzessin kaiser papst gründer wissenschaftler
erfinder
franchise
land dorf landkreis provinz insel stadion fluss berg
buch roman film serie show lied gedicht gemälde skulptur musical oper dokumentation
krieg schlacht hurrikan sturm erdbeben mission turnier meisterschaft festival revolution
katastrophe
tier rasse tierart
""")
_FR_NOUNS = _set("""
acteur actrice chanteur chanteuse auteur écrivain poète peintre artiste musicien compositeur
athlète footballeur entraîneur président sénateur gouverneur maire politicien ministre
roi reine prince princesse empereur pape fondateur scientifique inventeur
franchise
pays nation village comté province île stade fleuve rivière lac montagne
livre roman film série émission chanson poème sculpture épisode comédie opéra
documentaire
guerre bataille ouragan tempête séisme élection mission tournoi championnat festival
révolution catastrophe
animal espèce
""")
_ES_NOUNS = _set("""
actor actriz cantante autor autora escritor escritora poeta pintor artista músico compositor
atleta futbolista entrenador presidente senador gobernador alcalde político ministro rey
reina príncipe princesa emperador papa fundador científico inventor
franquicia
país nación pueblo condado provincia isla estadio río lago montaña
libro novela película serie canción poema escultura episodio musical
ópera documental
guerra batalla huracán tormenta terremoto elección elecciones misión torneo campeonato festival
revolución desastre
animal raza especie
""")

_RULES: dict[str, _Rules] = {
    "en": _Rules(
        code="en",
        relatives=_set("that"),
        definite=_set("the"),
        opening_demonstrative=re.compile(
            r"^\s*(this|that|these|those)\s+(is|are|was|were)\b", re.IGNORECASE
        ),
        links=_set("of called named"),
        personal=_set("i i'm we you my our your"),
        nouns=_EN_NOUNS,
        plural_endings=("es", "s"),
    ),
    "nl": _Rules(
        code="nl",
        relatives=_set("die dat"),
        definite=_set("de het"),
        opening_demonstrative=re.compile(
            r"^\s*(dit|dat|deze)\s+(is|zijn|was|waren)\b", re.IGNORECASE
        ),
        links=_set("van genaamd"),
        personal=_set("ik we wij jij je u mijn ons onze jouw uw"),
        nouns=_NL_NOUNS,
        plural_endings=("en", "s"),
        article_pronouns=_set("het"),
        particles=_set(
            "terug op aan uit in af weg door mee om over toe bij na voor dicht open kwijt"
        ),
    ),
    "de": _Rules(
        code="de",
        relatives=frozenset(),
        definite=_set("der die das dem den des"),
        opening_demonstrative=re.compile(
            r"^\s*(das|dies|dieses)\s+(ist|sind|war|waren)\b", re.IGNORECASE
        ),
        links=_set("von namens"),
        personal=_set("ich wir du sie mein meine unser unsere dein deine ihr ihre"),
        nouns=_DE_NOUNS,
        plural_endings=("en", "n", "e", "s"),
        names_capitalised=False,
    ),
    "fr": _Rules(
        code="fr",
        relatives=frozenset(),
        definite=_set("le la les l"),
        opening_demonstrative=re.compile(r"^\s*(c'est|ce sont|c'était)\b", re.IGNORECASE),
        links=_set("de du des appelé appelée nommé nommée"),
        personal=_set("je j nous vous tu mon ma mes notre nos votre vos"),
        nouns=_FR_NOUNS,
        plural_endings=("s", "x"),
    ),
    "es": _Rules(
        code="es",
        relatives=frozenset(),
        definite=_set("el la los las"),
        opening_demonstrative=re.compile(
            r"^\s*(esto|eso|este|esta)\s+(es|son|era|fue)\b", re.IGNORECASE
        ),
        links=_set("de del llamado llamada"),
        personal=_set("yo nosotros tú usted mi mis nuestro nuestra tu tus su sus"),
        nouns=_ES_NOUNS,
        plural_endings=("es", "s"),
    ),
}

# nouns a demonstrative picks out of the sentence itself ("this kind of", "this year")
_GENERIC = _set("""
way time case moment year week month day today weekend morning evening night
manier keer tijd geval moment jaar week maand dag
weise mal zeit fall moment jahr woche monat tag
façon manière fois moment cas année semaine mois jour
forma manera vez momento caso año semana mes día
""")
# "this kind of transaction" points at the transaction: resolved when that was talked about
_KIND = _set("""
kind kinds type types sort sorts soort soorten art arten typ typen genre genres sorte sortes
tipo tipos clase clases
""")
# a category noun before one of these is a modifier, not a thing ("the country code")
_COMPOUND_HEADS = _set("""
code codes name names field fields list limit limits setting settings option options page
version format id number tag filter menu selector picker column title titles
centre center hall council tax
""")
# "is that true?", "is this correct?": the demonstrative is the subject, not a determiner
_PREDICATES = _set("""
true correct right wrong possible normal safe free available okay real necessary required
waar juist correct mogelijk normaal veilig gratis beschikbaar nodig
wahr richtig möglich normal sicher kostenlos verfügbar nötig
vrai correct possible normal gratuit disponible nécessaire
verdad cierto correcto posible normal seguro gratis disponible necesario
""")
_EXPLETIVE = re.compile(
    r"\b(is|was|will|would|isn't|wasn't)\s+it\s+(possible|necessary|ok|okay|"
    r"safe|true|worth|free|allowed|normal|easy|hard|better|best|legal|"
    r"required|mandatory)\b|\bit\s+(is|was|'s)\s+(possible|necessary)\b",
    re.IGNORECASE,
)
# words that make a category noun part of a thing's name ("the address book", "the play store")
_COMPOUND_MODIFIERS = _set("address phone guest log note text work hand cook face order play year")
_MAX_MODIFIERS = 3  # words allowed between an article and its noun ("the famous French author")
_PRONOUN_MAX_WORDS = 14  # longer first messages usually carry their own referent


def _rules(language: str) -> _Rules:
    return _RULES.get(language, _RULES["en"])


def _base(word: str, rules: _Rules) -> str:
    """`word` as listed in the category nouns (possessive and plural endings removed)."""
    word = _POSSESSIVE.sub("", word.lower())
    if word in rules.nouns:
        return word
    for ending in rules.plural_endings:
        if word.endswith(ending) and word[: -len(ending)] in rules.nouns:
            return word[: -len(ending)]
    return word


def _mentioned(noun: str, history: frozenset[str]) -> bool:
    """Whether the conversation used `noun`, inflected or compounded ("clinics", "campground",
    "Weltkrieg" for "Krieg"), but not a mere look-alike ("animated" is no "animal")."""
    if noun in history:
        return True
    return any(
        (len(noun) >= 4 and (w.startswith(noun) or w.endswith(noun)))
        or (len(w) >= 4 and noun.startswith(w) and len(noun) - len(w) <= 2)
        for w in history
    )


def _is_name(token: str, position: int, rules: _Rules) -> bool:
    """A capitalised word not opening the sentence, or a quote mark: a name or title."""
    if token in _QUOTES:
        return True
    if not rules.names_capitalised or position == 0 or token.lower() == "i":
        return False
    return token[:1].isupper() and _base(token, rules) not in rules.nouns  # "in this County"


def _definite_description(
    tokens: list[str], start: int, rules: _Rules, stops: frozenset[str], pointing: bool
) -> tuple[str, bool] | None:
    """The category noun after the determiner at `start`, and whether the phrase names it.

    After a demonstrative (`pointing`) a name inside the phrase does not say which one:
    "that NASA mission" still points back at a mission, "the McDonald's chain" names one.
    """
    named = False
    for offset in range(1, _MAX_MODIFIERS + 1):
        i = start + offset
        if i >= len(tokens):
            return None
        token = tokens[i]
        base = _base(token, rules)
        if base in rules.nouns:
            if tokens[i - 1].lower() in _COMPOUND_MODIFIERS:
                return None  # "the local address book"
            after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
            if after in _COMPOUND_HEADS:
                return None  # "the country code", "the song title"
            if after and _is_name(tokens[i + 1], i + 1, rules):
                named = True  # "the actor Tom Hanks"
            elif after in rules.links or after in rules.personal:
                named = True  # "the battle of Bull Run", "the country I live in"
            return base, named
        if token.lower() in stops and offset > 1:
            return None  # the phrase ended before a category noun
        named = named or (not pointing and _is_name(token, i, rules))  # "the McDonald's chain"
    return None


def _demonstrated_noun(tokens: list[str], i: int, rules: _Rules, stops: frozenset[str]) -> bool:
    """Whether the demonstrative at `i` is a determiner of an unnamed noun ("this library").

    Not when it stands alone ("what is that, exactly?", "is that true?"), starts a clause
    ("that descended from"), picks out the sentence's own time or kind ("this year", "this
    kind of") or the noun is followed by its name ("this novel "Dune"").
    """
    if tokens[i].lower() in rules.relatives and i > 0:
        before = tokens[i - 1].lower()
        if before[:1].isalnum() and before not in stops:
            return False  # after a noun or verb it joins a clause: "the icon that looks like"
    nxt = _POSSESSIVE.sub("", tokens[i + 1].lower())
    if "'" in nxt or "’" in nxt:
        return False  # a contraction: "an application that isn't"
    if (
        len(nxt) < 3
        or nxt in stops
        or nxt in _GENERIC
        or nxt in _PREDICATES
        or _is_name(tokens[i + 1], i + 1, rules)
    ):
        return False
    if rules is _RULES["en"] and len(nxt) > 5 and nxt.endswith("ed"):
        return False  # a verb: "is this intended", "the language that descended"
    return not (i + 2 < len(tokens) and _is_name(tokens[i + 2], i + 2, rules))


def _pronoun_use(words: list[str], k: int, rules: _Rules) -> bool:
    """Whether an article-or-pronoun ("het") stands alone here: a verb particle or nothing
    follows it ("Hoe zit het met spam?" and "Het waarom van..." are no pronoun uses)."""
    if words[k] not in rules.article_pronouns:
        return False
    nxt = words[k + 1] if k + 1 < len(words) else ""
    return not nxt or nxt in rules.particles  # "stuur ik het terug?", "waar vind ik het?"


def _dangling_pronoun(lowered: list[str], rules: _Rules, stops: frozenset[str]) -> bool:
    """A short first message whose pronoun has nothing before it to stand for ("Did it win?").

    "How do I reset my password if I forgot it?" names its own antecedent: two or more content
    words before the pronoun count as one.
    """
    if _EXPLETIVE.search(" ".join(lowered)):
        return False  # "is it possible to ...": no referent at all
    words = [w for w in lowered if w[:1].isalnum()]
    if len(words) >= _PRONOUN_MAX_WORDS:
        return False
    for k, word in enumerate(words):
        if word in rules.pronouns or _pronoun_use(words, k, rules):
            content = [w for w in words[:k] if len(w) > 2 and w not in stops]
            return len(content) < 2
    return False


def unresolved_reference(
    question: str, history_text: str, language: str, *, categories: bool = True
) -> str:
    """The thing `question` points at that it never names, "?" when unnamed, or "".

    `history_text` is the earlier conversation (both sides); a noun it already used (or the
    question itself used before pointing at it), or any earlier turn at all for pronouns,
    counts as resolved: the visitor is continuing a topic. `categories=False` turns off the
    "the actor" rule for businesses whose visitors say "the film" about the one they watch.
    """
    rules = _rules(language)
    stops = stop_words(language)
    earlier = [_POSSESSIVE.sub("", t.lower()) for t in split_tokens(history_text)]
    tokens = split_tokens(question)
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered):
        history = frozenset(earlier + [_POSSESSIVE.sub("", w) for w in lowered[:i]])
        if word in rules.demonstratives and i + 1 < len(tokens):
            nxt = _POSSESSIVE.sub("", lowered[i + 1])
            if nxt in _KIND and i + 3 < len(tokens) and lowered[i + 2] in rules.links:
                if not _mentioned(_base(lowered[i + 3], rules), history):
                    return " ".join(lowered[i + 1 : i + 4])  # "type of violence"
                continue
            if _demonstrated_noun(tokens, i, rules, stops):
                noun = _base(nxt, rules)
                if not _mentioned(noun, history):
                    return noun
                continue
        if categories and (word in rules.definite or word in rules.demonstratives):
            found = _definite_description(
                tokens, i, rules, stops, pointing=word in rules.demonstratives
            )
            if found and not found[1] and not _mentioned(found[0], history):
                return found[0]
    if not earlier:
        if rules.opening_demonstrative.search(question):
            return "?"
        if _dangling_pronoun(lowered, rules, stops):
            return "?"
    return ""
