"""Building a channel from the repository's credentials.yml exactly as `rasa run` does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

CREDENTIALS = Path(__file__).resolve().parents[3] / "credentials.yml"


def load_credentials_entry(monkeypatch, key: str, ours: set[str]) -> Any:
    """Our entry as Rasa builds it: credentials.yml through Rasa's own YAML loader (other
    channels' variables set blank so their entries load too), then `from_credentials`."""
    from rasa.shared.utils.common import class_from_module_path
    from rasa.shared.utils.io import read_config_file

    path = CREDENTIALS
    for name in set(re.findall(r"\$\{(\w+)\}", path.read_text())) - ours:
        monkeypatch.setenv(name, "")
    creds = read_config_file(str(path))
    return class_from_module_path(key).from_credentials(creds[key])  # as rasa.core.run does
