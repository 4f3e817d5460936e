#!/usr/bin/env bash
# `make test`: every check, from nothing. Runs all steps, reports each, fails if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
scripts/setup.sh || exit 1
# the production tests talk to the local PostgreSQL, Redis and RabbitMQ: start any that is down
scripts/services.sh || exit 1

failed=()
step() {  # name, command...
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  local t0=$SECONDS
  if "$@"; then printf '=== %s: ok (%ss)\n' "$name" $((SECONDS - t0));
  else printf '=== %s: FAILED (%ss)\n' "$name" $((SECONDS - t0)); failed+=("$name"); fi
}

step "ruff" make -s lint
step "mypy" make -s typecheck
step "rasa data validate" make -s validate
step "rasa train" make -s train
step "pytest (bot env: connectors)" make -s test-bot
step "pytest (agent env: knowledge, actions, integration, browser)" make -s test-agent
step "rasa test (conversations)" make -s test-conversations

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all checks passed"
