"""The email loop: wait for mail, answer each new mail once, flag it only after the reply is out.

Crash safety (see store.py for the states): the agent is asked at most once per composed reply,
the composed reply is stored before SMTP, `sent` is stored right after SMTP accepted it, and the
IMAP flag comes last. A restart at any point therefore neither loses a mail nor answers it twice.

Several servers on one mailbox (README "Shared state"): each fetched mail is claimed on the state
database before the agent is asked (store.py, `email_claims`). A mail another live server holds
is left alone, unflagged: that server answers and flags it. A claim whose lease ran out, or whose
poller on this host is gone (a restart after a crash), is taken over and resumed from its stored
state; a poller that lost its claim stops before composing or sending.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable

from connectors.email.config import EmailConfig
from connectors.email.imap import ImapError, ImapMailbox
from connectors.email.parsing import InboundMail, parse_mail
from connectors.email.render import ReplyContent, build_reply
from connectors.email.smtp import SendFailed, SmtpSender
from connectors.email.store import (
    COMPOSED,
    DONE,
    FINISHED,
    RECEIVED,
    SENT,
    SKIPPED,
    ClaimLost,
    ClaimResult,
    EmailStore,
    InboundState,
    Lease,
)

logger = logging.getLogger(__name__)

# asks the agent about one mail in one conversation; returns what to answer
Handler = Callable[[InboundMail, str], Awaitable[ReplyContent]]
MAX_AGENT_FAILURES = 3
MAX_BACKOFF_S = 300.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def new_conversation_id(mail: InboundMail) -> str:
    digest = hashlib.sha256(f"{mail.address}\n{mail.message_id}".encode()).hexdigest()
    return f"email-{digest[:24]}"


class EmailPoller:
    """Owns one IMAP connection at a time; reconnects with capped exponential backoff."""

    def __init__(
        self,
        config: EmailConfig,
        store: EmailStore,
        sender: SmtpSender,
        handler: Handler,
        *,
        clock: Callable[[], float] = time.time,
        reconnect_base_s: float = 2.0,
        ready: Callable[[], bool] = lambda: True,
        server_id: str | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.sender = sender
        self.handler = handler
        self.clock = clock
        self.reconnect_base_s = reconnect_base_s
        self.ready = ready
        self.stop_event = threading.Event()
        self.connected = False
        self._agent_failures: dict[str, int] = {}
        self._mail_failures: dict[int, int] = {}
        self._smtp_down = False
        # who holds a claim: this host (or `server_id`), this process, this poller
        self.server_id = server_id or socket.gethostname()
        self.owner = f"{self.server_id}/{os.getpid()}/{uuid.uuid4().hex[:12]}"

    def stop(self) -> None:
        self.stop_event.set()

    async def run(self) -> None:
        """Until stop(): connect, answer what is pending, wait for more."""
        failures = 0
        while not self.stop_event.is_set():
            mailbox = ImapMailbox(self.config, self.stop_event)
            try:
                await asyncio.to_thread(mailbox.connect)
                self.connected = True
                failures = 0
                while not self.stop_event.is_set():
                    if self.ready():  # no model loaded yet: mail waits on the server
                        await self.process_pending(mailbox)
                    await asyncio.to_thread(mailbox.wait_for_change, self.config.poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(MAX_BACKOFF_S, self.reconnect_base_s * 2 ** (failures - 1))
                logger.warning(
                    "email mailbox error=%s retry_in_s=%.0f", f"{type(exc).__name__}: {exc}", delay
                )
                await asyncio.to_thread(self.stop_event.wait, delay)
            finally:
                self.connected = False
                await asyncio.shield(asyncio.to_thread(mailbox.close))

    async def process_pending(self, mailbox: ImapMailbox) -> None:
        self._smtp_down = False
        for uid in await asyncio.to_thread(mailbox.pending_uids):
            if self.stop_event.is_set() or self._smtp_down:
                return  # SMTP down: the rest waits for the next round instead of piling retries
            try:
                await self.process_one(mailbox, uid)
            except (ImapError, OSError):
                raise  # the connection is gone: reconnect
            except Exception as exc:  # one malformed mail must not block the others
                count = self._mail_failures.get(uid, 0) + 1
                self._mail_failures[uid] = count
                logger.error(
                    "email processing failed uid=%d attempt=%d error=%s",
                    uid,
                    count,
                    f"{type(exc).__name__}: {exc}",
                )
                if count >= MAX_AGENT_FAILURES:  # leave it read, unanswered, for a human
                    await asyncio.to_thread(mailbox.mark, uid, answered=False)

    async def process_one(self, mailbox: ImapMailbox, uid: int) -> None:
        raw = await asyncio.to_thread(mailbox.fetch, uid)
        if raw is None:
            return
        mail = parse_mail(raw, self.config.from_address)
        key = mail.message_id if mail.has_message_id else mailbox.position(uid)
        lease = Lease(key, self.owner, self.config.claim_lease_s)
        claim = await self._claim(lease)
        if not claim.won:
            state = await asyncio.to_thread(self.store.get, mail.message_id)
            if claim.done and state is not None and state.state in FINISHED:
                await self._flag_finished(mailbox, uid, mail, state, None)  # e.g. a 2nd copy
            else:  # another server is answering it, and flags it when done
                logger.debug("email claimed elsewhere message=%s by=%s", key, claim.holder)
            return
        try:
            finished = await self._answer(mailbox, uid, mail, lease)
        except ClaimLost:
            logger.warning("email claim taken over message=%s: left to the other server", key)
            return
        # an exception leaves the claim ours: resumed by our next poll, or by another server
        # once the lease ran out
        await asyncio.to_thread(self.store.release, lease, done=finished)

    async def _claim(self, lease: Lease) -> ClaimResult:
        claim = await asyncio.to_thread(self.store.claim, lease, self.clock())
        if not claim.won and not claim.done and claim.holder and self._dead_here(claim.holder):
            # a poller of this host that is gone (this server before a restart): no need to
            # wait for its lease
            claim = await asyncio.to_thread(
                self.store.claim, lease, self.clock(), replacing=claim.holder
            )
        return claim

    def _dead_here(self, owner: str) -> bool:
        """Whether `owner` was a poller of this server in a process that no longer exists."""
        parts = owner.rsplit("/", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return False
        server, pid = parts[0], int(parts[1])
        return server == self.server_id and pid != os.getpid() and not _pid_alive(pid)

    async def _flag_finished(
        self,
        mailbox: ImapMailbox,
        uid: int,
        mail: InboundMail,
        state: InboundState,
        lease: Lease | None,
    ) -> None:
        """Answered before (a duplicate, or a crash before the flag): only flag it now."""
        answered = state.state in (SENT, DONE) and state.reply_id is not None
        await asyncio.to_thread(mailbox.mark, uid, answered=answered)
        if state.state == SENT:
            await self._set(mail, DONE, lease)

    async def _set(self, mail: InboundMail, state: str, lease: Lease | None, **fields) -> None:
        """Store the mail's state; with `lease`, only while our claim holds (else ClaimLost)."""
        await asyncio.to_thread(
            lambda: self.store.set_state(
                mail.message_id, state, lease=lease, now=self.clock(), **fields
            )
        )

    async def _answer(
        self, mailbox: ImapMailbox, uid: int, mail: InboundMail, lease: Lease
    ) -> bool:
        """Walk the mail on from its stored state while we hold its claim; True once it is
        finished and flagged, False when it waits for a later poll (agent or SMTP failed)."""
        state = await asyncio.to_thread(self.store.get, mail.message_id)

        if state is not None and state.state in FINISHED:
            await self._flag_finished(mailbox, uid, mail, state, lease)
            return True

        if state is None and mail.automated:
            logger.info("email skipped message=%s reason=%s", mail.message_id, mail.automated)
            await self._set(mail, SKIPPED, lease)
            await asyncio.to_thread(mailbox.mark, uid, answered=False)
            return True

        if state is None or state.state == RECEIVED:
            conversation_id = await asyncio.to_thread(self._resolve_conversation, mail, lease)
            reply = await self._compose(mail, conversation_id, lease)
            if reply is None:
                if self._agent_failures.get(mail.message_id, 0) >= MAX_AGENT_FAILURES:
                    await self._set(mail, SKIPPED, lease)
                    await asyncio.to_thread(mailbox.mark, uid, answered=False)
                    return True
                return False
            if reply == b"":  # the agent chose silence (e.g. a human owns the conversation)
                await self._set(mail, DONE, lease)
                await asyncio.to_thread(mailbox.mark, uid, answered=False)
                return True
            state = await asyncio.to_thread(self.store.get, mail.message_id)

        assert state is not None and state.state == COMPOSED
        assert state.reply_bytes is not None
        # the last check before the reply leaves: SMTP's bounded time is well within the lease
        if not await asyncio.to_thread(self.store.renew, lease, self.clock()):
            raise ClaimLost(lease.key)
        try:
            await self.sender.send(
                state.reply_bytes,
                self.config.from_address,
                state.recipients,
                log_id=state.conversation_id or "",
            )
        except SendFailed as exc:
            logger.warning(
                "email reply not sent conversation=%s error=%s", state.conversation_id, exc
            )
            if exc.permanent:
                await self._set(mail, SKIPPED, lease)
                await asyncio.to_thread(mailbox.mark, uid, answered=False)
                return True
            self._smtp_down = True
            return False
        # written right after SMTP accepted: from here on a restart only flags, never re-sends
        await asyncio.to_thread(self.store.set_state, mail.message_id, SENT)
        if state.reply_id and state.conversation_id:
            await asyncio.to_thread(
                self.store.map_message, state.reply_id, state.conversation_id, self.clock()
            )
        await asyncio.to_thread(mailbox.mark, uid, answered=True)
        await asyncio.to_thread(self.store.set_state, mail.message_id, DONE)
        return True

    def _resolve_conversation(self, mail: InboundMail, lease: Lease) -> str:
        """Same thread, same visitor, last activity within the window: same conversation."""
        now = self.clock()
        known = self.store.conversation_for(mail.thread_ids)
        window_s = self.config.thread_window_h * 3600
        if (
            known is not None
            and known.address == mail.address
            and now - known.last_activity <= window_s
        ):
            conversation_id = known.conversation_id
        else:
            conversation_id = new_conversation_id(mail)
        self.store.touch_conversation(
            conversation_id,
            address=mail.address,
            subject=mail.subject,
            last_message_id=mail.message_id,
            refs=mail.thread_ids,
            at=now,
        )
        self.store.set_state(
            mail.message_id, RECEIVED, conversation_id=conversation_id, lease=lease, now=now
        )
        return conversation_id

    async def _compose(self, mail: InboundMail, conversation_id: str, lease: Lease) -> bytes | None:
        """Ask the agent and store the reply; None when the agent failed (retried next poll).
        The agent gets half the lease, so a slow turn cannot outlive our claim."""
        try:
            content = await asyncio.wait_for(
                self.handler(mail, conversation_id), timeout=lease.seconds / 2
            )
        except Exception as exc:
            count = self._agent_failures.get(mail.message_id, 0) + 1
            self._agent_failures[mail.message_id] = count
            logger.error(
                "email agent failed conversation=%s attempt=%d error=%s",
                conversation_id,
                count,
                f"{type(exc).__name__}: {exc}",
            )
            return None
        if content.empty:
            return b""
        message = build_reply(
            content,
            from_address=self.config.from_address,
            from_name=self.config.from_name,
            to_address=mail.address,
            subject=mail.subject,
            in_reply_to=mail.message_id,
            references=mail.thread_ids,
        )
        raw = message.as_bytes()
        await self._set(
            mail,
            COMPOSED,
            lease,
            reply_id=str(message["Message-ID"]),
            reply_bytes=raw,
            sender=self.config.from_address,
            recipients=[mail.address],
        )
        return raw
