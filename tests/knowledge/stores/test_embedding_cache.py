from __future__ import annotations

from pathlib import Path

from knowledge.stores.embedding_cache import EmbeddingCache
from tests.knowledge.stores.conftest import CountingE5


def test_identical_text_is_embedded_once_even_across_instances(tmp_path: Path) -> None:
    model = CountingE5()
    path = tmp_path / "cache.sqlite"
    first = EmbeddingCache(path, model)
    v1 = first.embed_documents(["reset your password", "reset your password", "open settings"])
    assert model.embedded == ["reset your password", "open settings"]
    assert v1[0] == v1[1] and len(v1[0]) == 384
    first.close()

    second = EmbeddingCache(path, model)
    v2 = second.embed_documents(["open settings", "a new sentence"])
    assert model.embedded[2:] == ["a new sentence"]
    assert v2[0] == v1[2]
    assert (second.hits, second.misses) == (1, 1)
    second.close()


def test_another_model_does_not_reuse_vectors(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    a = CountingE5()
    EmbeddingCache(path, a).embed_documents(["same text"])
    b = CountingE5()
    b.variant = "enpt"  # a different vector space
    EmbeddingCache(path, b).embed_documents(["same text"])
    assert b.embedded == ["same text"]
