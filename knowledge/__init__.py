"""The knowledge layer: ingestion, retrieval and answering over the company's own content.

Runs in the agent env (pydantic 2, langchain 1.x). Nothing here does work at import time.
"""
