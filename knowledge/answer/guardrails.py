"""Guardrails shared by every composer: masking of secrets and personal data, and the rule that
content and visitor text are data, never instructions.

Masking runs before anything a visitor typed is logged, stored as a knowledge gap or put into a
handoff transcript; injection filtering runs on passages before they are quoted or prompted.
"""

from __future__ import annotations

import re

_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
_SECRET_PHRASE = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|passcode|pin(?:code)?|wachtwoord|passwort|kennwort|"
    r"mot de passe|contraseña|contrasena|api[ _-]?key|token|secret)\b"
    r"(?:\s+(?:is|was|=|:|ist|est|es|es:|is:)\s*|\s*[:=]\s*))(?P<value>\S+)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()./-]{7,}\d(?![\w])")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_TOKEN = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b")

_INJECTION = re.compile(
    r"(ignore|disregard|forget)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier)\s+"
    r"(instructions?|prompts?|rules?|messages?)"
    r"|\byou are now\b|\bsystem prompt\b|\bact as\b|\bnew instructions?\b"
    r"|negeer\s+(alle\s+)?(vorige|eerdere)\s+(instructies|opdrachten)"
    r"|ignoriere\s+(alle\s+)?(vorherigen|bisherigen)\s+anweisungen"
    r"|ignore[zr]?\s+(toutes\s+)?les\s+instructions\s+pr[ée]c[ée]dentes",
    re.IGNORECASE,
)


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return "[card number]"
    return match.group(0)


def mask(text: str) -> str:
    """Replace card numbers, IBANs, passwords/keys, e-mail addresses and phone numbers by labels.

    Called on every visitor text before it leaves the turn (logs, gap records, handoff notes).
    """
    text = _SECRET_PHRASE.sub(lambda m: f"{m.group('key')}[secret]", text)
    text = _IBAN.sub(lambda m: "[iban]" if _looks_like_iban(m.group(0)) else m.group(0), text)
    text = _CARD.sub(_mask_card, text)
    text = _EMAIL.sub("[email]", text)
    text = _TOKEN.sub("[secret]", text)
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    raw = match.group(0)
    if not 9 <= sum(ch.isdigit() for ch in raw) <= 15 or _DATE.fullmatch(raw):  # E.164
        return raw
    return "[phone]"


def _looks_like_iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def is_injection(text: str) -> bool:
    """True when a sentence tries to instruct the model (in a page or a visitor message)."""
    return bool(_INJECTION.search(text))


def strip_injections(sentences: list[str]) -> list[str]:
    """Drop instruction-like sentences from content before it is quoted or prompted."""
    return [s for s in sentences if not is_injection(s)]
