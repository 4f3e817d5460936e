"""What reaches NLU, and which mails must never be answered."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from email_mails import visitor_mail

from connectors.email.parsing import (
    clean_subject,
    html_to_text,
    latest_reply,
    parse_mail,
    reply_subject,
)

OWN = "support@example.test"


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "Can I pay by invoice?\n\nBest regards,\nAnna\n\n"
            "On Mon, 2 Nov 2026 at 09:12, Support <support@example.test> wrote:\n> Hello\n",
            "Can I pay by invoice?",
        ),
        (
            "Hoe lang duurt de levering?\n\nMet vriendelijke groet,\nJan\n\n"
            "Op ma 2 nov. 2026 om 09:12 schreef Support <support@example.test>:\n> Hallo\n",
            "Hoe lang duurt de levering?",
        ),
        (
            "Wie lange dauert der Versand?\n\nMit freundlichen Grüßen\nJonas\n\n"
            "Am 02.11.2026 um 09:12 schrieb Support <support@example.test>:\n> Hallo\n",
            "Wie lange dauert der Versand?",
        ),
        ("Where is order 123?\n\n-- \nJan de Vries\nACME BV\n", "Where is order 123?"),
        (
            "Second question\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n"
            "To: Anna\nSubject: Re: x\n\nFirst answer\n",
            "Second question",
        ),
        (
            "My order: number 5 is late. Best, can you check?",
            "My order: number 5 is late. Best, can you check?",
        ),
    ],
)
def test_latest_reply_strips_history_and_signatures(body: str, expected: str) -> None:
    assert latest_reply(body) == expected


def test_html_only_mail_is_read_as_text() -> None:
    msg = EmailMessage()
    msg["From"] = "anna@visitor.test"
    msg["Message-ID"] = "<h1@visitor.test>"
    msg["Subject"] = "Question"
    msg.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Do you ship to&nbsp;Belgium?</p>"
        "<script>alert(1)</script></body></html>",
        subtype="html",
    )
    mail = parse_mail(msg.as_bytes(), OWN)
    assert mail.text == "Do you ship to\xa0Belgium?"
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"


def test_empty_body_falls_back_to_subject() -> None:
    raw, _ = visitor_mail("", subject="Re: AW: Opening hours?")
    assert parse_mail(raw, OWN).text == "Opening hours?"


def test_reply_to_wins_and_threading_ids_are_kept_in_order() -> None:
    raw, message_id = visitor_mail(
        "Thanks",
        in_reply_to="<b@x>",
        references="<a@x> <b@x>",
        headers={"Reply-To": "Anna Private <Anna.Private@visitor.test>"},
    )
    mail = parse_mail(raw, OWN)
    assert mail.message_id == message_id
    assert mail.address == "anna.private@visitor.test"
    assert mail.thread_ids == ["<a@x>", "<b@x>"]
    assert mail.automated is None


def test_mail_without_message_id_gets_a_stable_identity() -> None:
    raw = b"From: anna@visitor.test\r\nSubject: hi\r\n\r\nHello there\r\n"
    first, second = parse_mail(raw, OWN), parse_mail(raw, OWN)
    assert first.message_id == second.message_id
    assert first.message_id != parse_mail(raw + b"!", OWN).message_id


@pytest.mark.parametrize(
    "headers, sender, reason",
    [
        ({"Auto-Submitted": "auto-replied"}, None, "auto-submitted"),
        ({"Auto-Submitted": "auto-generated"}, None, "auto-submitted"),
        ({"Precedence": "bulk"}, None, "precedence"),
        ({"Precedence": "auto_reply"}, None, "precedence"),
        ({"List-Id": "<news.visitor.test>"}, None, "mailing list"),
        ({"List-Unsubscribe": "<mailto:u@visitor.test>"}, None, "mailing list"),
        ({"X-Autoreply": "yes"}, None, "auto-reply"),
        ({"Return-Path": "<>"}, None, "bounce"),
        ({}, "MAILER-DAEMON@visitor.test", "bounce"),
        ({}, "postmaster@visitor.test", "bounce"),
        ({}, OWN, "loop"),
        ({"X-Loop": OWN}, None, "x-loop"),
    ],
)
def test_robots_are_recognised(headers, sender, reason) -> None:
    raw, _ = visitor_mail("text", headers=headers, **({"sender": sender} if sender else {}))
    automated = parse_mail(raw, OWN).automated
    assert automated is not None and reason in automated


def test_auto_submitted_no_and_normal_mail_are_answered() -> None:
    raw, _ = visitor_mail("text", headers={"Auto-Submitted": "no"})
    assert parse_mail(raw, OWN).automated is None


def test_delivery_report_is_recognised() -> None:
    raw = (
        b"From: mail@visitor.test\r\nMessage-ID: <r1@visitor.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type="delivery-status"; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n"
        b"--b--\r\n"
    )
    assert parse_mail(raw, OWN).automated == "delivery report"


def test_subjects() -> None:
    assert clean_subject("Re: RE: Fwd: AW: Antw: Returns") == "Returns"
    assert reply_subject("Re: Returns") == "Re: Returns"
    assert reply_subject("Returns") == "Re: Returns"
    assert reply_subject("") == "Re:"


def test_encoded_line_breaks_in_subject_and_name_are_flattened() -> None:
    raw = (
        b"From: =?utf-8?q?Anna=0D=0ABcc=3A_x=40evil=2Etest?= <anna@visitor.test>\r\n"
        b"Message-ID: <s1@visitor.test>\r\n"
        b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_x=40evil=2Etest?=\r\n\r\nHi\r\n"
    )
    mail = parse_mail(raw, OWN)
    assert mail.subject == "Hello Bcc: x@evil.test"
    assert "\n" not in mail.name
    assert reply_subject(mail.subject) == "Re: Hello Bcc: x@evil.test"
