"""SMTP submission of replies (aiosmtplib): timeouts on every call, bounded retries with
exponential backoff for temporary failures, none for permanent (5xx) refusals.
"""

from __future__ import annotations

import asyncio
import logging
import ssl

import aiosmtplib

from connectors.email.config import EmailConfig

logger = logging.getLogger(__name__)


class SendFailed(RuntimeError):
    """The reply could not be handed to the SMTP server. Temporary: it stays queued for the next
    poll; permanent (5xx, e.g. unknown recipient): retrying would never help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpSender:
    def __init__(self, config: EmailConfig, *, retry_base_s: float = 1.0) -> None:
        self.config = config
        self.retry_base_s = retry_base_s

    async def _send_once(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        cfg = self.config
        username, password = cfg.smtp_login
        use_auth = cfg.smtp_security != "none" or bool(cfg.smtp_username)
        await aiosmtplib.send(
            raw,
            sender=sender,
            recipients=recipients,
            hostname=cfg.smtp_host,
            port=cfg.smtp_port,
            username=username if use_auth else None,
            password=password if use_auth else None,
            use_tls=cfg.smtp_security == "ssl",
            start_tls=cfg.smtp_security == "starttls",
            tls_context=ssl.create_default_context() if cfg.smtp_security != "none" else None,
            timeout=cfg.timeout_s,
        )

    async def send(self, raw: bytes, sender: str, recipients: list[str], *, log_id: str) -> None:
        """Return once the server accepted the mail; raise SendFailed otherwise."""
        attempts = max(1, self.config.send_attempts)
        for attempt in range(1, attempts + 1):
            try:
                await self._send_once(raw, sender, recipients)
                return
            except aiosmtplib.SMTPResponseException as exc:
                permanent = 500 <= exc.code < 600
                logger.warning(
                    "email send refused conversation=%s attempt=%d code=%d",
                    log_id,
                    attempt,
                    exc.code,
                )
                if permanent or attempt == attempts:
                    raise SendFailed(
                        f"SMTP {exc.code}: {exc.message}", permanent=permanent
                    ) from None
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
                logger.warning(
                    "email send failed conversation=%s attempt=%d error=%s",
                    log_id,
                    attempt,
                    type(exc).__name__,
                )
                if attempt == attempts:
                    raise SendFailed(f"SMTP unreachable: {type(exc).__name__}") from None
            await asyncio.sleep(self.retry_base_s * 2 ** (attempt - 1))
