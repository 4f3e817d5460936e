"""The one masking implementation (connectors/common/masking.py), stdlib only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from connectors.common import masking
from connectors.common.masking import mask, mask_secrets

VISA = "4111 1111 1111 1111"  # passes Luhn
IBAN = "NL91 ABNA 0417 1643 00"  # passes mod 97


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my card is {VISA} thanks", "my card is [card number] thanks"),
        ("card 4111-1111-1111-1111", "card [card number]"),
        (f"IBAN {IBAN} please refund", "IBAN [iban] please refund"),
        ("my password is hunter2!", "my password is [secret]"),
        ("Mein Passwort ist Geheim123", "Mein Passwort ist [secret]"),
        ("mijn wachtwoord: zomer2026", "mijn wachtwoord: [secret]"),
        ("pin: 1234", "pin: [secret]"),
        ("key ghp_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7", "key [secret]"),
    ],
)
def test_secrets_are_replaced_by_labels(text: str, expected: str) -> None:
    assert mask_secrets(text) == expected
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "How long does delivery to Belgium take?",
        "Order 12345678 arrived broken",  # too short for a card
        "4111 1111 1111 1112 is not a card",  # fails Luhn
        "NL91 ABNA 0417 1643 01 is not an IBAN",  # fails mod 97
        "I forgot my password",  # no value after it
        '/choose_option{"option": "Cancel or change an order"}',
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_secrets(text) == text


def test_contacts_are_masked_only_by_the_full_mask() -> None:
    text = "mail anna@example.com or call +31 6 1234 5678"
    assert mask_secrets(text) == text  # the visitor may want to be contacted: Rasa keeps them
    assert mask(text) == "mail [email] or call [phone]"
    assert mask("on 2026-12-01 at 10:00") == "on 2026-12-01 at 10:00"  # a date is no phone


def test_module_is_stdlib_only_so_both_environments_import_it() -> None:
    tree = ast.parse(Path(masking.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "re", "collections"}
