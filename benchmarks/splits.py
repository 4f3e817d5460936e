"""Deterministic splits for the answerability evals: which pages are removed, which half is dev.

Both come from a salted SHA-256 of a stable id (a page id, a conversation id), never from file
order or a random seed, so every run, machine and helper sees the same pages removed and the same
dev/test halves, and adding a page to a corpus does not move the others. The two salts are
independent: about one page in five is removed in the dev half and in the test half alike.

The dev half is for tuning (`benchmarks/tune_answering.py`, thresholds in `bot/answering.yml`);
the test half is reported and never tuned on.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["dev", "test"]
REMOVED_SHARE = 5  # one page in five is left out of the index
REMOVED_SALT = "removed-page"
SPLIT_SALT = "dev-test"


def bucket(key: str, salt: str, buckets: int) -> int:
    """A stable bucket in [0, buckets) for `key`: the first 8 bytes of sha256(salt:key)."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def is_removed(page_id: str) -> bool:
    """True for the one page in five (by id hash) that the removed-page eval leaves out."""
    return bucket(page_id, REMOVED_SALT, REMOVED_SHARE) == 0


def split_of(key: str) -> Split:
    """The half a page (or conversation) belongs to: 50/50 by id hash."""
    return "dev" if bucket(key, SPLIT_SALT, 2) == 0 else "test"


def conversation_id(task_id: str) -> str:
    """MTRAG-UN task ids are `<conversation>` + `<::>` + turn number; the conversation part."""
    return task_id.split("<::>", 1)[0]


def mtrag_page(passage_id: str) -> str:
    """The document a MTRAG-UN pool passage was cut from: its id without `-<start>-<end>`.

    Passages of one document overlap (`ibmcld_09981-1533-3542`, `ibmcld_09981-3102-5258`), so a
    removed page must take all its passages with it, or the answer is still in the index.
    """
    head, _, end = passage_id.rpartition("-")
    page, _, start = head.rpartition("-")
    if page and start.isdigit() and end.isdigit():
        return page
    return passage_id


def wanted(split: Split, which: str) -> bool:
    """`--split dev|test|both` as a filter."""
    return which == "both" or which == split
