"""Runs the email poller in its own process so a test can SIGKILL it mid-mail, or run two of
them on one mailbox as two servers would (the state database from CUSTOMER_AGENT_STATE_DB, as
in a deployment).

Usage: python email_crash_worker.py CONFIG_JSON MODE [SERVER_ID [START_AT]]
MODE: answer | hang | slow (answers after 0.3 s, so two servers' turns overlap); SERVER_ID
names the claiming server (default: this host); the poller starts at the epoch time START_AT.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from connectors.email.config import EmailConfig
from connectors.email.parsing import InboundMail
from connectors.email.poller import EmailPoller
from connectors.email.render import ReplyContent, collect
from connectors.email.smtp import SmtpSender
from connectors.email.store import EmailStore


async def main(
    config: EmailConfig, mode: str, server_id: str | None = None, start_at: float = 0.0
) -> None:
    # the agent, without importing Rasa (keeps the worker's start fast)
    async def agent(mail: InboundMail, conversation_id: str) -> ReplyContent:
        if mode == "hang":
            await asyncio.Event().wait()
        if mode == "slow":
            await asyncio.sleep(0.3)
        return collect([{"text": "Yes, within 30 days."}])

    store = EmailStore(config.state_path)
    store.get("warm-up")  # connect and create the tables before the race
    poller = EmailPoller(config, store, SmtpSender(config), agent, server_id=server_id)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    await poller.run()


if __name__ == "__main__":
    fields = json.loads(sys.argv[1])
    fields["data_dir"] = Path(fields["data_dir"])
    server = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    start = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    asyncio.run(main(EmailConfig(**fields), sys.argv[2], server, start))


def config_json(config: EmailConfig, **changes: Any) -> str:
    fields = dataclasses.asdict(dataclasses.replace(config, **changes))
    fields["data_dir"] = str(fields["data_dir"])
    return json.dumps(fields)
