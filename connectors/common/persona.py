"""The persona in canned replies, without an LLM: who is speaking, for whom, in what tone.

The greeting, the sign-off and the self-description are built from `bot/agent_profile.yml`
(name, company, role, personality) in the visitor's language (en, nl, de, fr, es; English for
others), so "Hi! I'm Ava, Fennoway's AI assistant for customer service." follows the profile
rather than a fixed "I'm the virtual assistant". Stdlib only: the Rasa server's response
generator (`connectors/nlg.py`) fills the domain's `{persona_greeting}`, `{persona_goodbye}` and
`{persona_self}` placeholders from here, and the extractive composer's framing reads the same
tone (`knowledge/answer/templates.py`).
"""

from __future__ import annotations

from typing import Protocol

LANGUAGES = ("en", "nl", "de", "fr", "es")

# role -> how each language names the service the agent helps with
ROLE: dict[str, dict[str, str]] = {
    "en": {
        "customer support": "customer service",
        "marketing specialist": "marketing",
        "sales representative": "sales",
    },
    "nl": {
        "customer support": "klantenservice",
        "marketing specialist": "marketing",
        "sales representative": "verkoop",
    },
    "de": {
        "customer support": "den Kundenservice",
        "marketing specialist": "das Marketing",
        "sales representative": "den Vertrieb",
    },
    "fr": {
        "customer support": "le service client",
        "marketing specialist": "le marketing",
        "sales representative": "les ventes",
    },
    "es": {
        "customer support": "atención al cliente",
        "marketing specialist": "marketing",
        "sales representative": "ventas",
    },
}

# "I'm ..." with and without a company name
SELF: dict[str, tuple[str, str]] = {
    "en": (
        "I'm {name}, {company}'s AI assistant for {role}",
        "I'm {name}, an AI assistant for {role}",
    ),
    "nl": (
        "Ik ben {name}, de AI-assistent van {company} voor {role}",
        "Ik ben {name}, een AI-assistent voor {role}",
    ),
    "de": (
        "Ich bin {name}, die KI-Assistenz von {company} für {role}",
        "Ich bin {name}, eine KI-Assistenz für {role}",
    ),
    "fr": (
        "Je suis {name}, l'assistant IA de {company} pour {role}",
        "Je suis {name}, un assistant IA pour {role}",
    ),
    "es": (
        "Soy {name}, el asistente de IA de {company} para {role}",
        "Soy {name}, un asistente de IA para {role}",
    ),
}

# personality -> (hello, question that opens the conversation, goodbye)
TONE: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {
        "friendly": (
            "Hi!",
            "How can I help you today?",
            "Goodbye! Come back any time you have a question.",
        ),
        "professional": (
            "Good day.",
            "How may I assist you?",
            "Thank you for your visit. Goodbye.",
        ),
        "casual": ("Hey!", "What can I do for you?", "Bye for now! Drop by whenever you like."),
        "empathetic": (
            "Hello, and welcome.",
            "Tell me what's going on and I'll do my best to help.",
            "Take care! I'm here whenever you need me.",
        ),
        "witty": (
            "Hi there!",
            "Ask me anything: I read the manual so you don't have to.",
            "Bye! May your questions be few and your answers quick.",
        ),
    },
    "nl": {
        "friendly": (
            "Hallo!",
            "Waarmee kan ik je helpen?",
            "Tot ziens! Je kunt altijd terugkomen met een nieuwe vraag.",
        ),
        "professional": (
            "Goedendag.",
            "Waarmee kan ik u van dienst zijn?",
            "Dank u voor uw bezoek. Tot ziens.",
        ),
        "casual": ("Hoi!", "Wat kan ik voor je doen?", "Doei! Kom gerust nog eens langs."),
        "empathetic": (
            "Hallo, welkom.",
            "Vertel me wat er speelt, dan help ik je zo goed als ik kan.",
            "Het beste! Ik ben er als je me nodig hebt.",
        ),
        "witty": (
            "Hallo daar!",
            "Vraag maar raak: ik heb de handleiding gelezen, dan hoeft jij dat niet.",
            "Doei! Weinig vragen en snelle antwoorden gewenst.",
        ),
    },
    "de": {
        "friendly": (
            "Hallo!",
            "Wie kann ich helfen?",
            "Auf Wiedersehen! Melde dich gern wieder, wenn du Fragen hast.",
        ),
        "professional": (
            "Guten Tag.",
            "Wie kann ich Ihnen behilflich sein?",
            "Vielen Dank für Ihren Besuch. Auf Wiedersehen.",
        ),
        "casual": ("Hey!", "Was kann ich für dich tun?", "Tschüss! Schau gern wieder vorbei."),
        "empathetic": (
            "Hallo und willkommen.",
            "Erzähl mir, worum es geht, und ich helfe dir, so gut ich kann.",
            "Alles Gute! Ich bin da, wenn du mich brauchst.",
        ),
        "witty": (
            "Hallo zusammen!",
            "Frag mich ruhig: Ich habe das Handbuch gelesen, damit du es nicht musst.",
            "Tschüss! Auf wenige Fragen und schnelle Antworten!",
        ),
    },
    "fr": {
        "friendly": (
            "Bonjour !",
            "Comment puis-je vous aider ?",
            "Au revoir ! N'hésitez pas à revenir si vous avez une question.",
        ),
        "professional": (
            "Bonjour.",
            "En quoi puis-je vous être utile ?",
            "Merci de votre visite. Au revoir.",
        ),
        "casual": (
            "Salut !",
            "Que puis-je faire pour vous ?",
            "À bientôt ! Repassez quand vous voulez.",
        ),
        "empathetic": (
            "Bonjour et bienvenue.",
            "Dites-moi ce qui se passe, je ferai de mon mieux pour vous aider.",
            "Prenez soin de vous ! Je suis là si vous avez besoin de moi.",
        ),
        "witty": (
            "Bonjour à vous !",
            "Posez-moi vos questions : j'ai lu le manuel pour vous.",
            "Au revoir ! Peu de questions et des réponses rapides !",
        ),
    },
    "es": {
        "friendly": (
            "¡Hola!",
            "¿En qué puedo ayudarte?",
            "¡Hasta luego! Vuelve cuando tengas otra pregunta.",
        ),
        "professional": (
            "Buenos días.",
            "¿En qué puedo ayudarle?",
            "Gracias por su visita. Hasta pronto.",
        ),
        "casual": ("¡Hey!", "¿Qué puedo hacer por ti?", "¡Chao! Pásate cuando quieras."),
        "empathetic": (
            "Hola, bienvenido.",
            "Cuéntame qué ocurre y haré lo posible por ayudarte.",
            "¡Cuídate! Aquí estoy cuando me necesites.",
        ),
        "witty": (
            "¡Hola, hola!",
            "Pregúntame lo que quieras: me leí el manual para que tú no tengas que hacerlo.",
            "¡Chao! Que tengas pocas preguntas y respuestas rápidas.",
        ),
    },
}


class PersonaProfile(Protocol):
    """The profile fields the persona reads (`connectors.common.profile.AgentProfile`)."""

    @property
    def name(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def personality(self) -> str: ...


def _lang(language: str | None) -> str:
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def self_description(profile: PersonaProfile, language: str | None) -> str:
    """ "I'm Ava, Fennoway's AI assistant for customer service" (no final full stop)."""
    lang = _lang(language)
    role = ROLE[lang].get(profile.role, ROLE[lang]["customer support"])
    with_company, without = SELF[lang]
    company = (profile.company or "").strip()
    template = with_company if company else without
    return template.format(name=profile.name, company=company, role=role)


def tone(profile: PersonaProfile, language: str | None) -> tuple[str, str, str]:
    table = TONE[_lang(language)]
    return table.get(profile.personality, table["friendly"])


def greeting(profile: PersonaProfile, language: str | None) -> str:
    hello, question, _ = tone(profile, language)
    return f"{hello} {self_description(profile, language)}. {question}"


def goodbye(profile: PersonaProfile, language: str | None) -> str:
    """The sign-off, signed with the agent's name (and company)."""
    bye = tone(profile, language)[2]
    company = (profile.company or "").strip()
    return f"{bye} – {profile.name}" + (f", {company}" if company else "")


def persona_values(profile: PersonaProfile, language: str | None) -> dict[str, str]:
    """What the domain's persona placeholders are filled with, in `language`."""
    return {
        "persona_greeting": greeting(profile, language),
        "persona_goodbye": goodbye(profile, language),
        "persona_self": self_description(profile, language),
        "persona_name": profile.name,
    }
