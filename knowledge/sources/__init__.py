"""Content sources an admin registered, and what of each is in the index."""

from knowledge.sources.registry import (
    DocRecord,
    Registry,
    RegistryError,
    Source,
    SourceStats,
    get_registry,
    parse_location,
)

__all__ = [
    "DocRecord",
    "Registry",
    "RegistryError",
    "Source",
    "SourceStats",
    "get_registry",
    "parse_location",
]
