"""Short per-language framing for the extractive composer and the clarifying questions.

Handoff wording is not here: it is the domain responses in bot/domain/handoff.yml.

The persona's personality picks the opener; everything else is plain and short, as in a chat.
Languages without a table fall back to English framing (the quoted content stays as written).
"""

from __future__ import annotations

from knowledge.profile import Profile

_T: dict[str, dict[str, str]] = {
    "en": {
        "intro.friendly": "Happy to help!",
        "intro.professional": "Here is what I found.",
        "intro.casual": "Sure thing!",
        "intro.empathetic": "I understand, let me help with that.",
        "intro.witty": "Good question, and I have an answer!",
        "other_language": "I only have this in {lang_name}:",
        "clarify.options": "Do you mean one of these?",
        "clarify.again": "I still can't find it. Could you describe it in other words?",
        "clarify.vague": "Could you tell me a bit more about what you mean?",
        "clarify.referent": "Which {thing} do you mean?",
        "sources": "Source",
        "en": "English",
        "nl": "Dutch",
        "de": "German",
        "fr": "French",
        "es": "Spanish",
    },
    "nl": {
        "intro.friendly": "Graag geholpen!",
        "intro.professional": "Dit heb ik gevonden.",
        "intro.casual": "Tuurlijk!",
        "intro.empathetic": "Ik begrijp het, ik help je graag.",
        "intro.witty": "Goede vraag, en ik heb een antwoord!",
        "other_language": "Ik heb dit alleen in het {lang_name}:",
        "clarify.options": "Bedoel je een van deze?",
        "clarify.again": "Ik kan het nog niet vinden. Kun je het anders omschrijven?",
        "clarify.vague": "Kun je iets meer vertellen over wat je bedoelt?",
        "clarify.referent": "Wie of wat bedoel je precies met ‘{thing}’?",
        "sources": "Bron",
        "en": "Engels",
        "nl": "Nederlands",
        "de": "Duits",
        "fr": "Frans",
        "es": "Spaans",
    },
    "de": {
        "intro.friendly": "Gern geholfen!",
        "intro.professional": "Das habe ich gefunden.",
        "intro.casual": "Klar!",
        "intro.empathetic": "Ich verstehe, ich helfe gern.",
        "intro.witty": "Gute Frage, und ich habe eine Antwort!",
        "other_language": "Das habe ich nur auf {lang_name}:",
        "clarify.options": "Meinst du eines davon?",
        "clarify.again": "Ich finde es noch nicht. Kannst du es anders beschreiben?",
        "clarify.vague": "Kannst du etwas genauer sagen, was du meinst?",
        "clarify.referent": "Kannst du genauer sagen, was du mit „{thing}“ meinst?",
        "sources": "Quelle",
        "en": "Englisch",
        "nl": "Niederländisch",
        "de": "Deutsch",
        "fr": "Französisch",
        "es": "Spanisch",
    },
    "fr": {
        "intro.friendly": "Avec plaisir !",
        "intro.professional": "Voici ce que j'ai trouvé.",
        "intro.casual": "Bien sûr !",
        "intro.empathetic": "Je comprends, je vais vous aider.",
        "intro.witty": "Bonne question, et j'ai la réponse !",
        "other_language": "Je n'ai cette information qu'en {lang_name} :",
        "clarify.options": "Voulez-vous parler de l'un de ces sujets ?",
        "clarify.again": "Je ne le trouve toujours pas. Pouvez-vous le formuler autrement ?",
        "clarify.vague": "Pouvez-vous préciser ce que vous voulez dire ?",
        "clarify.referent": "Pouvez-vous préciser ce que vous entendez par « {thing} » ?",
        "sources": "Source",
        "en": "anglais",
        "nl": "néerlandais",
        "de": "allemand",
        "fr": "français",
        "es": "espagnol",
    },
    "es": {
        "intro.friendly": "¡Con gusto!",
        "intro.professional": "Esto es lo que encontré.",
        "intro.casual": "¡Claro!",
        "intro.empathetic": "Lo entiendo, te ayudo con eso.",
        "intro.witty": "¡Buena pregunta, y tengo respuesta!",
        "other_language": "Solo tengo esto en {lang_name}:",
        "clarify.options": "¿Te refieres a alguno de estos?",
        "clarify.again": "Todavía no lo encuentro. ¿Puedes describirlo con otras palabras?",
        "clarify.vague": "¿Puedes contarme un poco más sobre lo que necesitas?",
        "clarify.referent": "¿A qué {thing} te refieres?",
        "sources": "Fuente",
        "en": "inglés",
        "nl": "neerlandés",
        "de": "alemán",
        "fr": "francés",
        "es": "español",
    },
}


def has_language(language: str) -> bool:
    return language in _T


def text(key: str, language: str, **values: str) -> str:
    """The template `key` in `language` (English when the language has no table)."""
    table = _T.get(language, _T["en"])
    return table.get(key, _T["en"][key]).format(**values)


def intro(profile: Profile, language: str) -> str:
    """Opening line shaped by the persona's personality."""
    return text(f"intro.{profile.personality}", language)


def language_name(code: str, in_language: str) -> str:
    table = _T.get(in_language, _T["en"])
    return table.get(code, code)
