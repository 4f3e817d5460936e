"""The index check: it exists, is not empty and was built with the configured embedding model.

LanceDB keeps one table per embedding model (`knowledge/stores/lance.py`), so "built with the
configured model" is "the configured model's table has rows"; another model's table means the
content was embedded with a different model and must be synced again. For Weaviate the server
is asked whether it is ready and whether the collection exists (its rows are not counted).
Nothing here loads the embedding model's weights.
"""

from __future__ import annotations

from knowledge.settings import Settings
from knowledge.setup.findings import Finding, fail, ok

ADD_CONTENT = (
    "add your content (customer-agent sources add ./my-help-centre) and run customer-agent sync"
    " (make run indexes the sample help centre when no source was added)"
)


def check_index(settings: Settings) -> list[Finding]:
    from knowledge.embeddings import get_embeddings, model_id

    try:
        model = model_id(get_embeddings(settings))
    except ValueError as exc:
        return [fail("CUSTOMER_AGENT_EMBEDDINGS", str(exc), "set the variables it names")]
    if settings.store == "weaviate":
        return _check_weaviate(settings)
    return _check_lance(settings, model)


def _check_lance(settings: Settings, model: str) -> list[Finding]:
    import lancedb

    from knowledge.stores.lance import table_name

    where = settings.index_dir
    names: list[str] = []
    if where.is_dir():
        names = list(lancedb.connect(str(where)).list_tables().tables)
    chunks = [n for n in names if n.startswith("chunks__")]
    expected = table_name(model)
    if not chunks:
        return [fail("index", f"nothing indexed in {where}", ADD_CONTENT)]
    if expected not in chunks:
        return [
            fail(
                "index",
                f"{where} was built with another embedding model ({', '.join(chunks)}), not the"
                f" configured {model}",
                "run customer-agent sync (re-embeds every source with the configured model)",
            )
        ]
    rows = lancedb.connect(str(where)).open_table(expected).count_rows()
    if not rows:
        return [fail("index", f"{where} holds no passages for {model}", ADD_CONTENT)]
    return [ok("index", f"{where}: {rows} passages embedded with {model}")]


def _check_weaviate(settings: Settings) -> list[Finding]:
    import httpx

    url = (settings.weaviate_url or "").rstrip("/")
    if not url:
        return [fail("WEAVIATE_URL", "is not set (CUSTOMER_AGENT_STORE=weaviate)", "set it")]
    headers = {}
    if settings.weaviate_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.weaviate_api_key.get_secret_value()}"
    try:
        with httpx.Client(timeout=5, headers=headers) as client:
            ready = client.get(f"{url}/v1/.well-known/ready")
            schema = client.get(f"{url}/v1/schema/{settings.weaviate_collection}")
    except httpx.HTTPError as exc:
        return [
            fail("index", f"Weaviate not reachable at {url} ({type(exc).__name__})", "start it")
        ]
    if ready.status_code in (401, 403):
        return [fail("WEAVIATE_API_KEY", f"Weaviate says {ready.status_code}", "set a valid key")]
    if ready.status_code != 200:
        return [fail("index", f"Weaviate at {url} not ready ({ready.status_code})", "wait")]
    if schema.status_code == 404:
        collection = settings.weaviate_collection
        return [fail("index", f"no collection {collection} in Weaviate at {url}", ADD_CONTENT)]
    return [ok("index", f"Weaviate at {url} ready, collection {settings.weaviate_collection}")]
