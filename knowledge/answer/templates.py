"""Short per-language framing for the extractive composer and canned decision texts.

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
        "handoff": "I'm not sure I have the right answer to that, so I'll get a colleague to help.",
        "handoff.human": "Of course, I'll connect you with a colleague.",
        "handoff.clarify": "I still can't find the right answer, so I'll bring in a colleague.",
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
        "handoff": "Ik weet niet zeker of ik het juiste antwoord heb, dus ik vraag een collega.",
        "handoff.human": "Natuurlijk, ik verbind je met een collega.",
        "handoff.clarify": "Ik vind het antwoord nog steeds niet; ik haal een collega erbij.",
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
        "handoff": "Ich bin nicht sicher, ob meine Antwort stimmt, ich hole eine Kollegin.",
        "handoff.human": "Natürlich, ich verbinde dich mit einem Kollegen.",
        "handoff.clarify": "Ich finde die Antwort immer noch nicht, ich hole einen Kollegen.",
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
        "handoff": "Je ne suis pas sûr d'avoir la bonne réponse, je fais appel à un collègue.",
        "handoff.human": "Bien sûr, je vous mets en relation avec un collègue.",
        "handoff.clarify": "Je ne trouve toujours pas la réponse, je fais appel à un collègue.",
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
        "handoff": "No estoy seguro de tener la respuesta correcta, así que llamo a un compañero.",
        "handoff.human": "Por supuesto, te pongo en contacto con un compañero.",
        "handoff.clarify": "Sigo sin encontrar la respuesta, así que llamo a un compañero.",
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
