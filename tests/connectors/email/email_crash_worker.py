"""Runs the email poller in its own process so a test can SIGKILL it mid-mail.

Usage: python email_crash_worker.py CONFIG_JSON MODE   (MODE: answer | hang)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from connectors.email.config import EmailConfig
from connectors.email.parsing import InboundMail
from connectors.email.poller import EmailPoller
from connectors.email.render import ReplyContent, collect
from connectors.email.smtp import SmtpSender
from connectors.email.store import EmailStore


async def main(config: EmailConfig, mode: str) -> None:
    # the agent, without importing Rasa (keeps the worker's start fast)
    async def agent(mail: InboundMail, conversation_id: str) -> ReplyContent:
        if mode == "hang":
            await asyncio.Event().wait()
        return collect([{"text": "Yes, within 30 days."}])

    poller = EmailPoller(config, EmailStore(config.state_path), SmtpSender(config), agent)
    await poller.run()


if __name__ == "__main__":
    fields = json.loads(sys.argv[1])
    fields["data_dir"] = Path(fields["data_dir"])
    asyncio.run(main(EmailConfig(**fields), sys.argv[2]))


def config_json(config: EmailConfig, **changes: Any) -> str:
    fields = dataclasses.asdict(dataclasses.replace(config, **changes))
    fields["data_dir"] = str(fields["data_dir"])
    return json.dumps(fields)
