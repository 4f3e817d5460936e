"""A separate process on the shared state (what another Rasa server does), for
test_two_processes.py. Backend from CUSTOMER_AGENT_STATE_DB / CUSTOMER_AGENT_DATA as in a
deployment; prints one JSON line.

    python -m tests.connectors.stores.state_worker push CONVERSATION TEXT...
    python -m tests.connectors.stores.state_worker poll CONVERSATION AFTER
    python -m tests.connectors.stores.state_worker claim CHANNEL COUNT START_AT
    python -m tests.connectors.stores.state_worker burst CONVERSATION NAME COUNT START_AT
"""

from __future__ import annotations

import json
import sys
import time


def wait_until(start_at: float) -> None:
    """Both processes start their loop at the same moment, so their claims really interleave."""
    time.sleep(max(0.0, start_at - time.time()))


def main(argv: list[str]) -> int:
    from connectors.common.dedupe import ProcessedIds
    from connectors.common.outbox import Outbox

    verb, *args = argv
    if verb == "push":
        outbox = Outbox()
        print(json.dumps([outbox.put(args[0], {"text": t}) for t in args[1:]]))
    elif verb == "poll":
        print(json.dumps(Outbox().fetch(args[0], int(args[1]))))
    elif verb == "claim":
        ids = ProcessedIds()
        channel, count, start_at = args[0], int(args[1]), float(args[2])
        ids.claim_sync(channel, "warm-up")  # connect and create the tables before the race
        wait_until(start_at)
        won = [i for i in range(count) if ids.claim_sync(channel, f"m{i}")]
        print(json.dumps(won))
    elif verb == "burst":
        outbox = Outbox(max_messages=10_000)
        conversation, name, count, start_at = args[0], args[1], int(args[2]), float(args[3])
        outbox.fetch(conversation, 0)  # connect before the race
        wait_until(start_at)
        print(json.dumps([outbox.put(conversation, {"text": f"{name}{i}"}) for i in range(count)]))
    else:
        raise SystemExit(f"unknown verb {verb!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
