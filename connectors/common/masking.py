"""Masking of secrets and contact details in text a visitor typed: the ONE implementation.

Stdlib only, so both environments import this same module: the bot env masks every inbound
message in `connectors.common.turn` before Rasa sees or stores it (the tracker store, Slack
threads and reports all read from there), and the agent env's guardrails can import it for what
they log or record (see docs/architecture.md, "Masking").

- `mask_secrets`: card numbers (Luhn-checked), IBANs (mod-97-checked), a value after
  "password"/"PIN"/"API key"/"token" (and their Dutch, German, French and Spanish words), and
  long random-looking tokens. What nobody should ever store.
- `mask`: `mask_secrets` plus e-mail addresses and phone numbers, for logs and gap records where
  even contact details have no business.

Replacement labels ("[card number]", "[iban]", "[secret]", "[email]", "[phone]") keep the
sentence readable for the dialogue model and for a support agent reading the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
# "password is X", "Passwort ist X", "pin: X"; the linking word must end there (`(?!\w)`), so
# "Passwort ist X" is never read as "Passwort is" + "t" with X left unmasked.
_SECRET_PHRASE = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|passcode|pin(?:code)?|wachtwoord|passwort|kennwort|"
    r"mot de passe|contraseña|contrasena|api[ _-]?key|token|secret)\b"
    r"(?:\s+(?:is:?|was|ist|est|es:?|=|:)(?!\w)\s*|\s*[:=]\s*))(?P<value>\S+)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()./-]{7,}\d(?![\w])")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_TOKEN = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b")


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


def _phrase(text: str) -> str:
    return _SECRET_PHRASE.sub(lambda m: f"{m.group('key')}[secret]", text)


def _iban(text: str) -> str:
    return _IBAN.sub(lambda m: "[iban]" if _looks_like_iban(m.group(0)) else m.group(0), text)


def _card(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            return "[card number]"
        return match.group(0)

    return _CARD.sub(one, text)


def _email(text: str) -> str:
    return _EMAIL.sub("[email]", text)


def _token(text: str) -> str:
    return _TOKEN.sub("[secret]", text)


def _phone(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        raw = match.group(0)
        if not 9 <= sum(ch.isdigit() for ch in raw) <= 15 or _DATE.fullmatch(raw):  # E.164
            return raw
        return "[phone]"

    return _PHONE.sub(one, text)


# Order matters: a password phrase before the digit rules (a numeric PIN is a secret, not a
# phone number), IBANs before cards (an IBAN's digits may pass Luhn), e-mail before tokens (a
# long local part is an address, not a key).
_SECRET_STEPS: tuple[Callable[[str], str], ...] = (_phrase, _iban, _card, _token)
_ALL_STEPS: tuple[Callable[[str], str], ...] = (_phrase, _iban, _card, _email, _token, _phone)


def mask_secrets(text: str) -> str:
    """`text` with card numbers, IBANs, passwords/PINs/keys and long tokens replaced by labels.

    Runs on every visitor message before Rasa sees it (`connectors.common.turn`)."""
    for step in _SECRET_STEPS:
        text = step(text)
    return text


def mask(text: str) -> str:
    """`mask_secrets` plus e-mail addresses and phone numbers: for logs, gap records and
    anything else that must not identify the visitor."""
    for step in _ALL_STEPS:
        text = step(text)
    return text
