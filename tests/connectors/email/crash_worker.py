"""Runs the email poller in its own process so a test can SIGKILL it mid-mail.

Usage: python crash_worker.py CONFIG_JSON MODE   (MODE: answer | hang)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from connectors.email.channel import EmailInput
from connectors.email.config import EmailConfig
from connectors.email.poller import EmailPoller
from connectors.email.smtp import SmtpSender
from connectors.email.store import EmailStore


async def main(config: EmailConfig, mode: str) -> None:
    async def agent(message: Any) -> None:
        if mode == "hang":
            await asyncio.Event().wait()
        await message.output_channel.send_text_message(message.sender_id, "Yes, within 30 days.")

    channel = EmailInput(config)
    poller = EmailPoller(
        config, EmailStore(config.state_path), SmtpSender(config), channel.make_handler(agent)
    )
    await poller.run()


if __name__ == "__main__":
    fields = json.loads(sys.argv[1])
    fields["data_dir"] = Path(fields["data_dir"])
    asyncio.run(main(EmailConfig(**fields), sys.argv[2]))


def config_json(config: EmailConfig, **changes: Any) -> str:
    fields = dataclasses.asdict(dataclasses.replace(config, **changes))
    fields["data_dir"] = str(fields["data_dir"])
    return json.dumps(fields)
