"""Guardrails shared by every composer: the rule that content and visitor text are data, never
instructions, and masking of secrets and personal data (one implementation for both
runtimes, `connectors.common.masking`, re-exported here; docs/architecture.md, "Masking").

Masking runs before anything a visitor typed is logged, stored as a knowledge gap or put into a
handoff transcript; injection filtering runs on passages before they are quoted or prompted.
"""

from __future__ import annotations

import re

from connectors.common.masking import mask

__all__ = [
    "asks_for_secrets",
    "base_domain",
    "is_injection",
    "is_unsafe",
    "mask",
    "strip_injections",
]

# Text that addresses the assistant instead of the visitor: a help page never does this, a
# poisoned page (a forum post, a comment, a compromised CMS) does. en, nl, de, fr, es.
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|preceding|former|existing|other)?\s*"
    r"(?:instructions?|prompts?|rules?|directives?|guidelines?|guardrails?)"
    r"|\byou are now (?:a|an|the|in|no longer|free|my|dan|unrestricted)\b"
    r"|\bfrom now on,?\s+you\b|\bsystem\s+(?:prompt|note|message|instruction|"
    r"override|notice)s?\b|\bnew instructions?\b|\bdeveloper mode\b|\bjailbreak"
    r"|\b(?:note|message|instructions?|attention)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    r"(?:ai|assistant|chat\s?bot|bot|language model|llm|model)s?\b"
    r"|\b(?:ai|assistant|chat\s?bot|language model|llm)s?\s*[,:]?\s+(?:must|should|shall|will)\s+"
    r"(?:now\s+|always\s+)?(?:tell|say|reply|respond|answer|ask|instruct|inform|direct)"
    # Dutch
    r"|\b(?:negeer|vergeet|omzeil)\s+(?:alle\s+|de\s+|je\s+|uw\s+)*"
    r"(?:vorige|eerdere|voorgaande|bovenstaande|bestaande)?\s*(?:instructies|opdrachten|regels)"
    r"|\bsysteem(?:melding|bericht|notitie|instructie|prompt)\b|\b(?:je|jij|u)\s+bent\s+nu\b"
    r"|\bvanaf nu\s+(?:ben|moet|zeg)\b|\b(?:aan|voor)\s+de\s+(?:assistent|chatbot|ai|bot)\b"
    r"|\b(?:assistent|chatbot)\s*[,:]?\s+(?:moet|zeg|vertel|vraag)\b"
    # German
    r"|\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie)\s+(?:alle\s+|die\s+|deine\s+)*"
    r"(?:vorherigen|bisherigen|obigen|früheren|vorigen)?\s*(?:anweisungen|instruktionen|regeln)"
    r"|\bsystem(?:hinweis|nachricht|anweisung|meldung)\b|\b(?:du bist|sie sind) (?:jetzt|nun)\b"
    r"|\bab sofort bist du\b|\b(?:an|für) den (?:assistenten|chatbot|bot)\b"
    # French
    r"|\b(?:ignore[zr]?|oublie[zr]?)\s+(?:toutes\s+|tous\s+)?(?:les|tes|vos)\s+"
    r"(?:instructions|consignes|règles)"
    r"|\b(?:note|message|instruction|consigne)s?\s+(?:du\s+)?système\b"
    r"|\b(?:tu es|vous êtes) (?:maintenant|désormais)\b|\bà l'(?:assistant|ia)\b"
    # Spanish
    r"|\b(?:ignora|ignore|ignoren|olvida|olvide)\s+(?:todas\s+)?(?:las|tus|sus)\s+"
    r"(?:instrucciones|reglas|indicaciones)"
    r"|\b(?:nota|mensaje|instrucción|instruccion)\s+del\s+sistema\b|\bahora eres\b"
    r"|\ba partir de ahora (?:eres|debes)\b|\bal (?:asistente|chatbot)\b",
    re.IGNORECASE,
)

# Asking the visitor for a secret: a secret's name and a verb of handing it over, in one sentence
_SECRET_NOUN = re.compile(
    r"\b(?:passwords?|passcodes?|pin(?:\s?codes?)?|card\s+(?:numbers?|details)|credit\s+cards?"
    r"|debit\s+cards?|cvv|cvc|security\s+codes?|log-?in\s+(?:details|data)|credentials"
    r"|bank\s+(?:details|login)|one-time\s+(?:codes?|passwords?)|verification\s+codes?"
    r"|2fa\s+codes?|seed\s+phrase"
    r"|wachtwoord(?:en)?|pincode|kaartnummer|creditcard\w*|inloggegevens|bankgegevens"
    r"|beveiligingscode|verificatiecode|passwort|kennwort|kartennummer|kreditkarte\w*"
    r"|zugangsdaten|anmeldedaten|bankdaten|sicherheitscode|mot de passe|code pin"
    r"|numéro de (?:la )?carte|carte bancaire|carte de crédit|identifiants"
    r"|coordonnées bancaires|cryptogramme|contraseñas?|número de (?:la )?tarjeta"
    r"|tarjeta de crédito|credenciales|datos bancarios|código de seguridad)\b",
    re.IGNORECASE,
)
_HAND_OVER = re.compile(
    r"\b(?:send|tell|give|share|reply|forward|submit"
    r"|stuur\w*|sturen|verstuur\w*|opsturen|toesturen|deel|deelt|delen"
    r"|vertel\w*|doorgeven|sende\w*|senden|schick\w*|gib|geben|teile\w*|mitteilen|nenne\w*"
    r"|envoie\w*|envoy\w*|donne\w*|communique\w*|partage\w*|transmet\w*|indique\w*"
    r"|env[ií]\w*|manda\w*|mande\w*|comparte\w*|compartir|comparta|facilit\w*|proporcion\w*)\b",
    re.IGNORECASE,
)
_MAIL_US = re.compile(
    r"\b(?:e-?mail|mail|text|dm|whatsapp|geef|give)\s+(?:us|me|ons|mij)\b", re.IGNORECASE
)
_NEGATION = re.compile(
    r"\b(?:never|not|don't|do not|dont|no one|nobody|won't|will not|nooit|niet|geen|niemand"
    r"|nie|niemals|nicht|keine?n?|niemand|jamais|ne|n'|pas|personne|nunca|no|jamás|nadie)\b",
    re.IGNORECASE,
)
_PAYMENT = re.compile(
    r"\b(?:pay|paid|paying|payments?|send\s+(?:the\s+)?(?:money|amount|fee)|bank\s+transfer|wire"
    r"|transfer\s+(?:the\s+|your\s+)?(?:money|amount|fee|payment|funds|deposit)|deposit|bitcoin"
    r"|btc|crypto\w*|gift\s?cards?|betaal\w*|betaling\w*|overmaken|maak\s+\w+\s+over|stort\w*"
    r"|zahl\w*|überweis\w*|paie\w*|payez|virement\w*|vire[zr]|pag[aou]\w*|transferencia\w*"
    r"|transfier\w*)\b",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(
    r"\b(?:your|their|his|her|je|jouw|uw|hun|dein\w*|ihr\w*|votre|vos|ton|ta|tes|leurs?|tu|tus|su"
    r"|sus)\b",
    re.IGNORECASE,
)
_TO_ADDRESS = re.compile(
    r"\b(?:to|at|naar|aan|op|an|auf|à|a|chez)\s+(?:https?://|www\.)?[\w.+-]+(?:@[\w-]+)?\.[\w.-]+",
    re.IGNORECASE,
)
_HOST = re.compile(
    r"(?:https?://|www\.)([\w.-]+\.[a-z]{2,})|[\w.+-]+@([\w-]+(?:\.[\w-]+)+)"
    r"|\b((?:[\w-]+\.)+(?:com|net|org|info|biz|io|co|app|xyz|top|shop|site|online|eu|nl|be|de"
    r"|fr|es|uk|ru|cn|example|test))\b",
    re.IGNORECASE,
)


def is_injection(text: str) -> bool:
    """True when a sentence tries to instruct the model (in a page or a visitor message)."""
    return bool(_INJECTION.search(text))


def base_domain(host: str) -> str:
    """`help.fennoway.example` -> `fennoway.example` (two labels; three under `co.uk`-style
    second levels), so a company's subdomains count as one address."""
    labels = host.lower().strip(".").split(".")
    keep = 3 if len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu"}


def addresses(text: str) -> set[str]:
    """The base domains of the URLs and e-mail addresses a text names."""
    return {base_domain(next(g for g in m.groups() if g)) for m in _HOST.finditer(text)}


def asks_for_secrets(text: str, own_domains: set[str] | None = None) -> bool:
    """True when a sentence asks the reader to hand over a password, card number or the like
    ("send your card number and password to refunds@..."), or to pay to an address that is not
    the company's (`own_domains`; None: any address counts as foreign).

    "Never share your password" and "we will not ask for your PIN" are advice, not requests; a
    negated request that still names a foreign address is not.
    """
    foreign = addresses(text) - (own_domains or set())
    return _asks_for_credentials(text, bool(foreign)) or _pays_to(text, own_domains or set())


_CLAUSE_START = re.compile(
    r"(?:^|[.:;!?,(\-–]|\b(?:to|please|and|then|te|en|dan|bitte|und|zu|veuillez|et|puis"
    r"|por favor|y|luego))\s*$",
    re.IGNORECASE,
)


def _asks_for_credentials(text: str, foreign: bool) -> bool:
    """The reader asked to hand over their secret: a hand-over verb that starts a clause
    ("Send your password...", "...customer to send their card number", "Reply with your PIN")
    at most five words before the secret's name, or one at most five words after it (Dutch and
    German put the verb last: "je wachtwoord naar ... sturen"); or a secret to be sent to an
    address. "The data you send (including your password) is encrypted" and "share a password
    safely with a secret link" are about secrets, not requests for them."""
    for noun in _SECRET_NOUN.finditer(text):
        lead = text[max(0, noun.start() - 80) : noun.start()]
        before = lead.split()[-6:]
        after = text[noun.end() : noun.end() + 60].split()[:6]
        handed = any(_HAND_OVER.fullmatch(w.strip(",.:;!?\"'()*")) for w in after)
        for word in before:
            if _HAND_OVER.fullmatch(word.strip(",.:;!?\"'()*")):
                preceding = lead[: lead.rfind(word)] if word in lead else ""
                handed = handed or bool(_CLAUSE_START.search(preceding))
        if not handed and not _MAIL_US.search(" ".join(before)):
            continue
        owned = any(_POSSESSIVE.fullmatch(w.strip(",.:;!?\"'()*")) for w in before[-3:])
        if owned or (foreign and _TO_ADDRESS.search(text)):
            return foreign or not _NEGATION.search(text)
    return False


def _pays_to(text: str, own_domains: set[str]) -> bool:
    """A payment word shortly before "to/at/naar ... <address>" that is not the company's."""
    for m in _HOST.finditer(text):
        if base_domain(next(g for g in m.groups() if g)) in own_domains:
            continue
        lead = text[max(0, m.start() - 100) : m.start()]
        if _PAYMENT.search(lead) and re.search(
            r"\b(?:to|at|via|on|naar|via|op|bij|an|auf|über|à|sur|chez|a|en)\s+(?:https?://)?$",
            lead,
            re.IGNORECASE,
        ):
            return True
        if re.search(r"\[(?:pay|betaal|zahlen|payez|pague)\s[^\]]*\]\($", lead, re.IGNORECASE):
            return True  # [pay here](https://elsewhere)
    return False


def is_unsafe(text: str, own_domains: set[str] | None = None) -> bool:
    """A sentence no reply may carry: it instructs the assistant or asks a visitor for secrets."""
    return is_injection(text) or asks_for_secrets(text, own_domains)


def strip_injections(sentences: list[str]) -> list[str]:
    """Drop sentences that instruct the assistant or ask a visitor for secrets, before content is
    quoted or prompted. Payments to unknown addresses are judged at ingestion, where the
    company's own addresses are known (knowledge/ingest/screening.py)."""
    return [
        s
        for s in sentences
        if not is_injection(s) and not _asks_for_credentials(s, bool(addresses(s)))
    ]
