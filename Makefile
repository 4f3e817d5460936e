# Customer Agent: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export CUSTOMER_AGENT_DATA ?= $(CURDIR)/var
RASA := .venv-bot/bin/python -m connectors.rasa_cli
RASA_ARGS := --domain bot/domain --data data --config config.yml

.PHONY: help setup train run test lint typecheck validate test-agent test-bot test-conversations eval bench clean

help:
	@echo "make run    set up, train if needed, index the sample help centre, start the agent"
	@echo "make test   set up and run every check (lint, types, unit, integration, browser, conversations)"
	@echo "make eval   answer-quality evals over ../shared/eval"
	@echo "make bench  speed and retrieval benchmarks"

setup:
	@scripts/setup.sh

train: setup
	@scripts/train.sh

run: train
	@scripts/run.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: setup
	.venv/bin/mypy actions knowledge
	.venv-bot/bin/mypy --config-file pyproject.toml --python-executable .venv-bot/bin/python connectors

validate: setup
	$(RASA) data validate $(RASA_ARGS) --fail-on-warnings

test-agent: train
	.venv/bin/python -m pytest -q tests --ignore=tests/connectors

test-bot: setup
	.venv-bot/bin/python -m pytest -q tests/connectors

test-conversations: train
	$(RASA) test core --stories tests/conversations --model models --out var/rasa-test-results --fail-on-prediction-errors

test:
	@scripts/test.sh

eval: train
	PYTHONWARNINGS=ignore .venv-bot/bin/python benchmarks/eval_routing.py
	.venv/bin/python benchmarks/eval_answers.py
	.venv/bin/python benchmarks/eval_mtrag.py
	.venv/bin/python benchmarks/eval_removed.py

bench: train
	.venv/bin/python benchmarks/bench_rest.py
	.venv/bin/python benchmarks/bench_retrieval.py

clean:
	rm -rf models var/rasa-test-results .pytest_cache .mypy_cache .ruff_cache
