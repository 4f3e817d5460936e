"""Ingestion: turn files, pages and crawled sites into `Document`s, then into `Chunk`s.

Kept apart from retrieval: nothing here embeds or stores; `knowledge.sync` wires the two.
"""
