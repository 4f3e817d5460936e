#!/usr/bin/env bash
# Re-resolve the pinned lock files after editing requirements/*.in.
# bot env: resolved as for Python 3.10 (rasa 3.6 declares <3.11) and installed on 3.11 with
# --ignore-requires-python; overrides carry the DESIGN.md section 4 recipe.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-}
if [ -z "$UV" ]; then
  [ -x .venv-tools/bin/uv ] || { python3 -m venv .venv-tools && .venv-tools/bin/pip install -q uv; }
  UV=.venv-tools/bin/uv
fi
"$UV" pip compile -q requirements/bot.in --override requirements/overrides.txt \
  --python-version 3.10 --python-platform x86_64-manylinux_2_28 -o requirements/bot.lock
"$UV" pip compile -q requirements/agent.in \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements/agent.lock
echo "locked: requirements/bot.lock requirements/agent.lock"
