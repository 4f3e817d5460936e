"""deploy/compose.yml cannot run here (no Docker engine), so it is checked against what the
production tests run: the same backend settings file, the same commands and configuration files,
two Rasa and two action servers, a proxy in front of exactly those servers, nothing undocumented."""

from __future__ import annotations

import re

import yaml

from tests.production.cluster import LOCAL_SERVICES, PRODUCTION_ENV, read_env_file
from tests.support.stack import ROOT

DEPLOY = ROOT / "deploy"
AGENT_SERVICES = {"rasa1", "rasa2", "actions1", "actions2", "consumer"}


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))


def test_agent_services_use_the_tests_settings_file_and_do_not_override_it():
    services = compose()["services"]
    assert AGENT_SERVICES | {"proxy", "postgres", "redis", "rabbitmq", "weaviate"} <= set(services)
    production = read_env_file(PRODUCTION_ENV)
    assert production["CUSTOMER_AGENT_TRACKER_STORE"] == "postgresql"
    assert production["CUSTOMER_AGENT_LOCK_STORE"] == "redis"
    assert production["CUSTOMER_AGENT_EVENT_BROKER"] == "rabbitmq"
    for name in AGENT_SERVICES:
        service = services[name]
        assert (DEPLOY / service["env_file"]).resolve() == PRODUCTION_ENV.resolve(), name
        env = service["environment"]
        assert not set(env) & set(production), f"{name} overrides deploy/production.env"
        # what the tests set for the local services, compose sets for its own hosts
        assert set(LOCAL_SERVICES) | {"POSTGRES_DB"} <= set(env), name


def test_rasa_servers_run_what_the_tests_run():
    services = compose()["services"]
    for name, actions in (("rasa1", "actions1"), ("rasa2", "actions2")):
        command = services[name]["command"]
        assert command[:4] == [".venv-bot/bin/python", "-m", "connectors.rasa_cli", "run"]
        options = dict(zip(command[4::2], command[5::2], strict=True))
        assert options["--endpoints"] == "endpoints.yml"
        assert options["--credentials"] == "credentials.yml"
        assert options["--port"] == "5005"
        url = services[name]["environment"]["CUSTOMER_AGENT_ACTION_URL"]
        assert url == f"http://{actions}:5055/webhook"
        assert services[actions]["command"][-1] == "5055"
    assert services["consumer"]["command"][-1] == "consume-events"


def test_proxy_routes_by_conversation_id_to_both_servers():
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream rasa \{(.*?)\}", conf, re.S).group(1)
    assert "hash $conversation_key consistent;" in upstream
    assert re.findall(r"server (\S+?):5005", upstream) == ["rasa1", "rasa2"]
    assert "$arg_conversation_id" in conf and "conversation_id|sender" in conf


def test_every_variable_is_documented_in_env_example():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    text = (DEPLOY / "compose.yml").read_text(encoding="utf-8")
    used = set(read_env_file(PRODUCTION_ENV)) | set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    for name in AGENT_SERVICES:
        used |= set(compose()["services"][name]["environment"])
    used -= {"RASA_TELEMETRY_ENABLED"}  # Rasa's own switch, set by the Makefile too
    assert sorted(used - documented) == []
