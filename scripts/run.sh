#!/usr/bin/env bash
# `make run`: the Rasa server and the action server under one process runner (honcho);
# one Ctrl-C stops both. Embedded defaults: SQLite tracker store and the embedded knowledge
# store under $CUSTOMER_AGENT_DATA; the sample help centre is indexed on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
# .env first, so the defaults below (and the paths derived from CUSTOMER_AGENT_DATA) respect it.
[ -f .env ] && { set -a; . ./.env; set +a; }
# Rasa 3.6's dependencies print pages of deprecation warnings; logs stay quiet by default.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore}
export CUSTOMER_AGENT_DATA=${CUSTOMER_AGENT_DATA:-$PWD/var}
export CUSTOMER_AGENT_PORT=${CUSTOMER_AGENT_PORT:-5005}
export CUSTOMER_AGENT_ACTION_PORT=${CUSTOMER_AGENT_ACTION_PORT:-5055}
export CUSTOMER_AGENT_ACTION_URL=${CUSTOMER_AGENT_ACTION_URL:-http://127.0.0.1:$CUSTOMER_AGENT_ACTION_PORT/webhook}
export CUSTOMER_AGENT_TRACKER_DB=${CUSTOMER_AGENT_TRACKER_DB:-$CUSTOMER_AGENT_DATA/tracker.db}
# `make run` is the admin's local instance: the test-chat page and 'show why' are on unless set.
export CUSTOMER_AGENT_SHOW_WHY=${CUSTOMER_AGENT_SHOW_WHY:-true}
mkdir -p "$CUSTOMER_AGENT_DATA"
# Unset channel secrets need nothing here: credentials.yml quotes every "${VAR}" and the
# connector expands it (see the comment at its top).

.venv/bin/python -m knowledge.bootstrap || echo "[run] WARNING: the sample help centre could not be indexed; answers will hand off"

base="http://localhost:$CUSTOMER_AGENT_PORT"
cat <<MSG

  Customer Agent is starting (Ctrl-C stops it).
    Test chat:   $base/webhooks/webchat/test   (admin page with sample questions and 'show why')
    Widget:      <script src="$base/webhooks/webchat/static/widget.js" data-server="$base"></script>
    REST:        curl -s $base/webhooks/rest/webhook -d '{"sender":"me","message":"hello"}'
    Logs:        $CUSTOMER_AGENT_DATA/rasa.log

MSG
exec .venv/bin/honcho -f Procfile start
