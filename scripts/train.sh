#!/usr/bin/env bash
# `make train`: trains only when the training inputs changed, and keeps the two newest models.
# Rasa 3 writes a new ~30 MB model on every `rasa train`, even when its cache makes it fast;
# `rasa train --dry-run` cannot tell when only responses changed. So the stamp here is a hash
# of everything a model is built from.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA=(.venv-bot/bin/python -m connectors.rasa_cli)
stamp=models/.inputs.sha256
inputs=$(find config.yml bot/domain data -type f -name '*.yml' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
newest=$(ls -1t models/*.tar.gz 2>/dev/null | head -n 1 || true)
if [ -n "$newest" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  echo "[train] model is up to date: $newest"
  exit 0
fi
"${RASA[@]}" train --domain bot/domain --data data --config config.yml --out models --quiet
echo "$inputs" > "$stamp"
ls -1t models/*.tar.gz | tail -n +3 | xargs -r rm -f
