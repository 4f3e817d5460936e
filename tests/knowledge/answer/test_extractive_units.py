"""Quotable units: a lead-in sentence and the list it introduces stay apart but whole."""

from __future__ import annotations

from knowledge.answer.extractive import units


def test_list_after_a_lead_in_in_the_same_paragraph_stays_one_unit_with_its_lines() -> None:
    text = (
        "What you can still change depends on the status:\n"
        "- **Address**: up to 48 hours before delivery. Only within the same country.\n"
        "- **Delivery slot**: free to move until 48 hours before.\n"
        "\n"
        "Payment methods cannot be changed. Cancel and order again instead."
    )
    assert units(text) == [
        "What you can still change depends on the status:",
        "- **Address**: up to 48 hours before delivery. Only within the same country.\n"
        "- **Delivery slot**: free to move until 48 hours before.",
        "Payment methods cannot be changed.",
        "Cancel and order again instead.",
    ]


def test_numbered_steps_with_indented_continuations() -> None:
    text = "1. Open the app.\n   It is on your home screen.\n2. Tap Settings."
    assert units(text) == [text]


def test_two_sections_of_one_page_are_cited_once_with_the_first_anchor() -> None:
    from knowledge.answer.extractive import source_refs
    from tests.knowledge.answer.conftest import make_hit

    base = "https://help.example.com/en/shipping"
    hits = (
        make_hit("Shipping", "Bikes ship in 5 days.", 0.8, url=base + "#bikes"),
        make_hit("Shipping", "Parts ship in 2 days.", 0.7, url=base + "#parts"),
        make_hit("Returns", "Return within 30 days.", 0.6),
    )
    refs = source_refs(hits)
    assert [r.url for r in refs] == [base + "#bikes", "https://help.example.com/en/returns"]


def test_a_code_block_is_one_verbatim_unit_and_does_not_lead_the_quote():
    from knowledge.answer.extractive import select, units

    passage = (
        "Client libraries let you burn secrets from scripts.\n\n"
        "```bash\n$ ots burn SECRET_KEY\n\n$ ots share\n```\n\n"
        "The Go client library is maintained by the community."
    )
    parts = units(passage)
    assert parts[1] == "```bash\n$ ots burn SECRET_KEY\n\n$ ots share\n```"
    quote = select("client libraries burn secrets", passage, "en", max_units=1)
    assert quote == "Client libraries let you burn secrets from scripts."
