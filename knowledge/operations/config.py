"""Operations settings an admin edits: the billing unit (`<bot_dir>/billing.yml`, optional).

    unit: per_conversation   # or per_resolution

A missing file is the default (per_conversation, the seed rules); a bad value is one clear line.
"""

from __future__ import annotations

from pathlib import Path

UNITS = ("per_conversation", "per_resolution")


def billing_unit(bot_dir: Path) -> str:
    """The configured billing unit; ValueError names the file and the allowed values."""
    import yaml

    path = bot_dir / "billing.yml"
    if not path.exists():
        return UNITS[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(data) - {"unit"}) if isinstance(data, dict) else ["(not a mapping)"]
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(map(str, unknown))}; allowed: unit")
    unit = str(data.get("unit") or UNITS[0])
    if unit not in UNITS:
        raise ValueError(f"{path}: unit {unit!r}: expected one of {', '.join(UNITS)}")
    return unit
