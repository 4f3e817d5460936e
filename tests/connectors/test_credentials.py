"""credentials.yml: every channel secret is a quoted "${VAR}" the connector expands, so an unset
variable closes that channel instead of stopping the Rasa server (the one mechanism: see the
comment at the top of credentials.yml)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ROOT / "credentials.yml"


def _settings_lines() -> list[str]:
    lines = CREDENTIALS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if not line.lstrip().startswith("#")]


def test_every_env_reference_is_quoted() -> None:
    unquoted = [
        line.strip()
        for line in _settings_lines()
        if re.search(r"\$\{\w+\}", line) and not re.search(r"""["']\$\{\w+\}["']""", line)
    ]
    assert unquoted == [], "quote these so an unset variable does not stop Rasa"


def test_rasa_reads_the_file_with_no_channel_variable_set(tmp_path: Path) -> None:
    """Rasa's own reader, in a process whose environment holds none of the variables."""
    names = {name for line in _settings_lines() for name in re.findall(r"\$\{(\w+)\}", line)}
    assert names  # the file does reference channel secrets
    code = (
        "import json, sys\n"
        "from rasa.shared.utils.io import read_config_file\n"
        "print(json.dumps(read_config_file(sys.argv[1])))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code, str(CREDENTIALS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert all(f"${{{name}}}" in done.stdout for name in names)  # left for the connector


def test_the_connector_expands_a_set_variable_and_closes_on_an_unset_one(monkeypatch) -> None:
    from connectors.common.config import setting

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "real-token")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    creds = yaml.safe_load(CREDENTIALS.read_text(encoding="utf-8"))[
        "connectors.whatsapp.WhatsAppInput"
    ]
    assert setting(creds, "auth_token", "TWILIO_AUTH_TOKEN") == "real-token"
    assert setting(creds, "account_sid", "TWILIO_ACCOUNT_SID") is None
