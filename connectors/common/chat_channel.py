"""What the WhatsApp and Messenger inputs share: a fail-closed configuration, exactly-once
message ids, the sender book, answering in the background and a bounded graceful shutdown.

Each platform keeps what is its own (signature check, payload parsing, output channel); this
base keeps the life cycle identical, so a fix to shutdown or dedupe lands on both.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, Protocol, TypeVar

from rasa.core.channels.channel import InputChannel, OutputChannel

from connectors.common.dedupe import ProcessedIds
from connectors.common.senders import SenderBook
from connectors.common.tasks import BackgroundTasks
from connectors.common.window import WindowClosedHandler

logger = logging.getLogger(__name__)


class ChannelConfig(Protocol):
    @property
    def missing(self) -> list[str]:
        """Settings that must be set before the channel opens (empty: open)."""


ConfigT = TypeVar("ConfigT", bound=ChannelConfig)


class ChatWebhookInput(InputChannel, Generic[ConfigT]):
    """A platform webhook answered in the background; closed (403) until configured."""

    channel = ""  # the Rasa channel name, set by each platform
    label = ""  # the platform's name in log lines

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def __init__(
        self,
        config: ConfigT,
        processed: ProcessedIds | None = None,
        senders: SenderBook | None = None,
    ) -> None:
        self.config = config
        self.processed = processed or ProcessedIds()
        self.senders = senders or SenderBook()
        self.tasks = BackgroundTasks(self.channel)
        # The Slack handoff (or anyone) appends here to take over undeliverable replies.
        self.window_closed_handlers: list[WindowClosedHandler] = []
        if config.missing:
            logger.warning(
                "%s channel disabled (webhook answers 403): set %s",
                self.label,
                ", ".join(config.missing),
            )

    def make_output(self) -> OutputChannel:
        """The platform's output channel for one conversation turn."""
        raise NotImplementedError

    def get_output_channel(self) -> OutputChannel | None:
        return None if self.config.missing else self.make_output()

    async def drain(self) -> None:
        """Wait for in-flight messages (graceful shutdown and tests)."""
        await self.tasks.drain()

    async def shutdown(self, timeout_s: float = 15.0) -> None:
        """On server stop: let in-flight answers go out (bounded), then close the stores."""
        try:
            await asyncio.wait_for(self.drain(), timeout_s)
        except asyncio.TimeoutError:
            logger.warning("%s: stopped with messages still in flight", self.channel)
        self.processed.close()
        self.senders.close()
