"""Weaviate backend: pure schema/query/batch building here; the live round trip needs a server.

Run the live part with a Weaviate at WEAVIATE_URL, e.g.
`WEAVIATE_URL=http://localhost:8080 .venv/bin/pytest -m weaviate tests/knowledge/stores`.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from knowledge.settings import Settings
from knowledge.stores import ChunkStore
from knowledge.stores.weaviate import (
    StoreError,
    WeaviateChunkStore,
    batches,
    build_filter,
    check_batch,
    collection_properties,
    connection_params,
    data_objects,
    object_uuid,
)
from tests.knowledge.stores.conftest import PAGES, CountingE5


def test_connection_params_for_self_hosted_and_cloud() -> None:
    local = connection_params("http://localhost:8080", grpc_port=50052)
    assert (local.cloud, local.http_host, local.http_port, local.http_secure) == (
        False,
        "localhost",
        8080,
        False,
    )
    assert (local.grpc_host, local.grpc_port) == ("localhost", 50052)
    assert connection_params("weaviate.internal").http_port == 80
    cloud = connection_params("https://abc.c0.europe-west3.gcp.weaviate.cloud")
    assert cloud.cloud and cloud.http_secure and cloud.http_port == 443 and cloud.grpc_port == 443
    with pytest.raises(ValueError, match="WEAVIATE_URL"):
        connection_params("ftp://host")


def test_schema_has_exact_filters_and_one_bm25_field() -> None:
    props = {p.name: p for p in collection_properties()}
    for name in ("source", "doc_id", "language", "chunk_id", "fingerprint"):
        assert props[name].indexFilterable and props[name].tokenization.value == "field"
    searchable = [n for n, p in props.items() if p.indexSearchable]
    assert searchable == ["keywords"]
    assert props["keywords"].tokenization.value == "word"
    assert props["heading_path"].dataType.value == "text[]"


def test_filters_combine_sources_and_languages() -> None:
    assert build_filter() is None
    single = build_filter(sources=["help"])
    assert (single.target, single.value) == ("source", ["help"])
    assert single.operator.value == "ContainsAny"
    both = build_filter(sources=["help"], languages=["nl"], doc_ids=["a"])
    assert [(f.target, f.value) for f in both.filters] == [
        ("source", ["help"]),
        ("language", ["nl"]),
        ("doc_id", ["a"]),
    ]


def test_objects_carry_deterministic_uuid_vector_and_keyword_text() -> None:
    objs = data_objects(PAGES[:2], [[0.1, 0.2], [0.3, 0.4]])
    assert objs[0].uuid == object_uuid("wifi-en") == str(uuid.uuid5(uuid.NAMESPACE_DNS, "wifi-en"))
    assert objs[1].vector == [0.3, 0.4]
    assert objs[0].properties["keywords"].startswith("Connect to Wi-Fi\n")
    assert objs[0].properties["language"] == "en"
    with pytest.raises(ValueError):
        data_objects(PAGES[:2], [[0.1]])


def test_batches_split_evenly() -> None:
    assert [len(b) for b in batches(list(range(450)), 200)] == [200, 200, 50]
    assert batches([], 200) == []


def test_rejected_objects_raise_with_ids() -> None:
    check_batch(SimpleNamespace(errors={}), PAGES)
    bad = SimpleNamespace(errors={1: SimpleNamespace(message="vector dimension mismatch")})
    with pytest.raises(StoreError, match=r"1 of 5 chunks \(wifi-nl: vector dimension mismatch"):
        check_batch(bad, PAGES)


def test_missing_url_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(store="weaviate", CUSTOMER_AGENT_DATA=tmp_path, WEAVIATE_URL=None)
    with pytest.raises(StoreError, match="needs WEAVIATE_URL"):
        WeaviateChunkStore.from_settings(settings, CountingE5())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_fails_with_one_line(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    settings = Settings(
        store="weaviate",
        CUSTOMER_AGENT_DATA=tmp_path,
        WEAVIATE_URL=f"http://127.0.0.1:{port}",
        http_timeout_s=2,
    )
    store = WeaviateChunkStore.from_settings(settings, CountingE5())
    assert isinstance(store, ChunkStore)
    with pytest.raises(StoreError, match="Weaviate unavailable"):
        store.count()
    store.close()


# -- live server ------------------------------------------------------------------------------

live = pytest.mark.skipif(
    not os.environ.get("WEAVIATE_URL"),
    reason="needs a live Weaviate: set WEAVIATE_URL (e.g. http://localhost:8080)",
)


@pytest.fixture
def live_store(tmp_path: Path) -> Iterator[WeaviateChunkStore]:
    settings = Settings(
        store="weaviate",
        CUSTOMER_AGENT_DATA=tmp_path,
        weaviate_collection=f"Test{uuid.uuid4().hex[:8]}",
    )
    store = WeaviateChunkStore.from_settings(settings, CountingE5(), cache_path=tmp_path / "c.db")
    yield store
    client = store._client
    if client is not None:
        client.collections.delete(settings.weaviate_collection)
    store.close()


@pytest.mark.weaviate
@live
def test_live_round_trip(live_store: WeaviateChunkStore) -> None:
    assert live_store.search("printer") == []
    assert live_store.upsert(PAGES) == 5
    assert live_store.upsert(PAGES) == 0
    assert live_store.count() == 5 and live_store.count("power") == 1
    hits = live_store.search("Hoe voeg ik een printer toe?", language="nl", k=3)
    assert hits[0].chunk.id == "printer-nl" and hits[0].keyword_score
    quoted = live_store.search('"Hoe voeg ik een printer toe?" AND (title:*)', language="nl", k=3)
    assert quoted[0].chunk.id == "printer-nl" and quoted[0].keyword_score  # words, not syntax
    cross = live_store.search("Mijn batterij is snel leeg", language="nl", languages=["en"], k=2)
    assert cross[0].chunk.id == "battery-en" and cross[0].keyword_score is None
    assert {h.chunk.source for h in live_store.search("battery", sources=["power"])} == {"power"}
    assert live_store.delete("help", ["wifi-en"]) == 1
    assert live_store.delete("help") == 3
    assert live_store.count() == 1


# -- Weaviate's REST boundary, stood in by a local HTTP server --------------------------------


class _WeaviateRest(BaseHTTPRequestHandler):
    """Documented REST answers: /v1/meta, no collection yet (404), schema creation echoed back.

    Queries and inserts go over gRPC, which is not stood in for here.
    """

    calls: ClassVar[list[tuple[str, str, Any]]] = []

    def _send(self, code: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        type(self).calls.append(("GET", self.path, None))
        if self.path.startswith("/v1/meta"):
            self._send(200, {"version": "1.32.0", "modules": {}})
        else:
            self._send(404, {"error": [{"message": "not found"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(("POST", self.path, body))
        self._send(200, body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rest_port() -> Iterator[int]:
    _WeaviateRest.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WeaviateRest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_schema_created_once_for_writes_never_for_reads(rest_port: int) -> None:
    import weaviate

    def connect() -> Any:
        return weaviate.connect_to_custom(
            http_host="127.0.0.1",
            http_port=rest_port,
            http_secure=False,
            grpc_host="127.0.0.1",
            grpc_port=_free_port(),
            grpc_secure=False,
            skip_init_checks=True,
        )

    store = WeaviateChunkStore(connect, CountingE5(), collection="TestChunk")
    assert store.count() == 0 and store.search("printer") == []  # no collection: nothing to read
    assert not [c for c in _WeaviateRest.calls if c[0] == "POST"]  # reads never create it
    # what upsert does first (its gRPC queries, with retries, are left to the live test)
    assert store._collection(create=True) is not None
    store.close()
    created = [body for method, path, body in _WeaviateRest.calls if method == "POST"]
    assert len(created) == 1 and created[0]["class"] == "TestChunk"
    vector = created[0]["vectorConfig"]["default"]
    assert vector["vectorizer"] == {"none": {}}
    assert vector["vectorIndexConfig"]["distance"] == "cosine"
    props = {p["name"]: p for p in created[0]["properties"]}
    assert props["source"]["tokenization"] == "field" and props["source"]["indexFilterable"]
    assert props["keywords"]["indexSearchable"] and props["keywords"]["tokenization"] == "word"
