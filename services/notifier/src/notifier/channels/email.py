"""Email over SMTP; the idempotency key becomes the Message-ID, so clients can drop repeats."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from notifier.channels.base import PERMANENT, SENT, TRANSIENT, DeliveryResult, OutgoingMessage

KEY_HEADER = "X-Linli-Idempotency-Key"


def build_email(message: OutgoingMessage, sender: str, idempotency_key: str) -> EmailMessage:
    """The MIME message for one alert."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient.email or ""
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{idempotency_key}@linli.notifier>"
    mail[KEY_HEADER] = idempotency_key
    mail["Content-Language"] = message.language
    mail.set_content(message.text)
    return mail


class EmailChannel:
    """Sends through one SMTP server (`NOTIFIER_SMTP_HOST/PORT/FROM`)."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, *, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(self, message: OutgoingMessage, idempotency_key: str) -> DeliveryResult:
        """Hand the message to the SMTP server; 4xx answers and network errors are retried."""
        if not message.recipient.email:
            return DeliveryResult(PERMANENT, error="no email address")
        mail = build_email(message, self.sender, idempotency_key)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            return DeliveryResult(PERMANENT, error="recipient refused")
        except smtplib.SMTPResponseException as exc:
            kind = TRANSIENT if 400 <= exc.smtp_code < 500 else PERMANENT
            return DeliveryResult(kind, error=f"SMTP {exc.smtp_code}")
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(TRANSIENT, error=type(exc).__name__)
        if refused:
            return DeliveryResult(PERMANENT, error="recipient refused")
        return DeliveryResult(SENT, provider_message_id=mail["Message-ID"])
