from __future__ import annotations

from knowledge.ingest.chunking import chunk_document, slugify, split_sentences
from knowledge.ingest.documents import make_document

DOC = """# Returns

You can return any item within 30 days.

## How to return

To return an item:

1. Log in to your account.

2. Choose the order.
3. Print the return label.

## Refunds

### Card payments

Refunds to cards take five working days.
"""


def _doc(text: str, **kw: str):
    args = {
        "source": "help",
        "doc_id": "returns.md",
        "title": "Returns",
        "url": "https://help.example.com/returns",
        "text": text,
        **kw,
    }
    return make_document(**args)


def test_splits_by_heading_and_keeps_heading_path_and_anchor() -> None:
    chunks = chunk_document(_doc(DOC))
    assert [c.heading_path for c in chunks] == [
        (),
        ("How to return",),
        ("Refunds", "Card payments"),
    ]
    assert chunks[0].url == "https://help.example.com/returns"
    assert chunks[1].url == "https://help.example.com/returns#how-to-return"
    assert chunks[2].url == "https://help.example.com/returns#card-payments"
    assert all(c.title == "Returns" and c.source == "help" for c in chunks)
    assert chunks[2].for_embedding().startswith("Returns > Refunds > Card payments\n")


def test_list_steps_stay_together_with_their_intro() -> None:
    chunks = chunk_document(_doc(DOC), max_chars=120)
    steps = [c for c in chunks if "Log in" in c.text]
    assert len(steps) == 1
    assert steps[0].text.startswith("To return an item:")
    assert "3. Print the return label." in steps[0].text


def test_long_section_is_split_at_sentence_boundaries() -> None:
    sentences = [f"Sentence number {i} explains one more detail of the policy." for i in range(40)]
    chunks = chunk_document(_doc("## Policy\n\n" + " ".join(sentences)), max_chars=300)
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 300
        assert c.text.endswith("policy.")  # never cut mid-sentence
        assert c.heading_path == ("Policy",)
    assert " ".join(c.text for c in chunks) == " ".join(sentences)


def test_long_list_is_split_between_items_only() -> None:
    items = "\n".join(f"{i}. Step {i} of the long procedure to follow." for i in range(1, 30))
    chunks = chunk_document(_doc(items), max_chars=200)
    assert len(chunks) > 1
    for c in chunks:
        for line in c.text.splitlines():
            assert line.endswith("to follow.")


def test_language_detected_when_missing_and_kept_when_given() -> None:
    nl = "## Retourneren\n\nJe kunt elk artikel binnen dertig dagen terugsturen naar ons magazijn."
    assert {c.language for c in chunk_document(_doc(nl))} == {"nl"}
    assert {c.language for c in chunk_document(_doc(nl, language="de"))} == {"de"}


def test_ids_are_deterministic_and_hashes_follow_content() -> None:
    a = chunk_document(_doc(DOC))
    b = chunk_document(_doc(DOC))
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    edited = chunk_document(_doc(DOC.replace("five working days", "ten working days")))
    assert [c.id for c in edited] == [c.id for c in a]
    changed = [x.content_hash != y.content_hash for x, y in zip(a, edited, strict=True)]
    assert changed == [False, False, True]


def test_empty_sections_and_code_fences() -> None:
    text = "# Returns\n\n## Empty\n\n## Code\n\n```\n# not a heading\n```\n"
    chunks = chunk_document(_doc(text))
    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Code",)
    assert "# not a heading" in chunks[0].text


def test_slugify_and_sentences() -> None:
    assert slugify("How to **return** an item?") == "how-to-return-an-item"
    assert slugify("Wat kost één fiets") == "wat-kost-één-fiets"
    assert split_sentences("Eerste zin. Tweede zin!", "nl") == ["Eerste zin.", "Tweede zin!"]


def test_explicit_heading_anchor_wins_over_slug() -> None:
    chunks = chunk_document(_doc("## How to return {#steps}\n\nLog in.\n\n## Other\n\nText."))
    assert chunks[0].heading_path == ("How to return",)
    assert chunks[0].url == "https://help.example.com/returns#steps"
    assert chunks[1].url == "https://help.example.com/returns#other"
