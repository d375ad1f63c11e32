"""Compose the e-mail that carries one agency's report.

Subject and body come from Jinja *text* templates (:mod:`annual_report.mail.templates`). The
message is built with the ``compat32`` MIME classes so that every header is written exactly as
intended: UTF-8 throughout (RFC 2047 encoded words in headers, base64 bodies), and attachment
names that Outlook, Foxmail and web mail all show correctly — RFC 2231 ``filename*`` (with
continuations for long names) in ``Content-Disposition`` and an RFC 2047 ``name`` in
``Content-Type`` as the fallback that older Outlook reads (the combination Thunderbird sends).

Nothing here talks to a server: :mod:`annual_report.mail.smtp` does that.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from ..clock import CHINA_TIME
from ..errors import MailError
from .templates import (
    CORRECTION_MARK,
    DEFAULT_BODY_TEMPLATE,
    DEFAULT_SUBJECT_TEMPLATE,
    TEMPLATE_VARIABLES,
    MessageTemplates,
    template_context,
)

__all__ = ["CORRECTION_MARK", "DEFAULT_BODY_TEMPLATE", "DEFAULT_SUBJECT_TEMPLATE",
           "TEMPLATE_VARIABLES", "Attachment", "Composed", "MessageTemplates", "Sender",
           "compose", "is_address", "stable_message_id", "template_context"]

MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": ("application", "pdf"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_SMTP_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=78)
# The Date header in the recipients' time (China has one zone and no summer time), whatever the
# sending machine's clock zone is.
_SEGMENT = 60  # characters of percent-encoded text per RFC 2231 continuation
_WORD_BYTES = 42  # UTF-8 bytes per RFC 2047 encoded word (56 base64 characters)


def is_address(text: str) -> bool:
    """A plain ASCII ``local@domain`` address that every SMTP server accepts."""
    return bool(_ADDRESS.match(text))


@dataclass(frozen=True)
class Sender:
    """The From of every message: an optional display name and the address."""

    name: str
    address: str

    @classmethod
    def parse(cls, text: str) -> Sender:
        """``区政府办公室 <gov@example.cn>`` or ``gov@example.cn``; else :class:`MailError`."""
        name, address = parseaddr(text.strip())
        if not address or not is_address(address):
            raise MailError(
                f"发件人「{text}」不是有效的邮箱地址。请写成 gov@example.cn 或 "
                "“区政府办公室 <gov@example.cn>”的形式（--sender 或 send.toml 中的 sender）。"
            )
        return cls(name.strip(), address)

    def header(self) -> str:
        return formataddr((self.name, self.address), charset="utf-8") if self.name \
            else self.address

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


@dataclass(frozen=True)
class Attachment:
    """A file to attach: the name the recipient sees and the exact bytes."""

    filename: str
    data: bytes

    @classmethod
    def from_file(cls, path: Path, filename: str) -> Attachment:
        return cls(filename, path.read_bytes())

    @property
    def mime_type(self) -> tuple[str, str]:
        return MIME_TYPES.get(Path(self.filename).suffix.lower(), ("application", "octet-stream"))


@dataclass(frozen=True)
class Composed:
    """A message ready to send: the bytes on the wire (CRLF line ends) and what the log needs."""

    data: bytes
    subject: str
    message_id: str
    to: tuple[str, ...]


# --- MIME -----------------------------------------------------------------------------------------


class _Folded:
    """A header value folded by hand: one parameter (or encoded word) a line.

    ``compat32`` would otherwise re-split a long value wherever it likes, even right after the
    colon; the generator calls :meth:`encode` just as it does for :class:`email.header.Header`.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None) -> str:
        return (linesep + " ").join(self.lines)

    def __str__(self) -> str:
        return " ".join(self.lines)


def rfc2231_parameter(name: str, value: str) -> list[str]:
    """``name*0*=utf-8''…``, ``name*1*=…`` (one ``name*=`` when short); ASCII stays plain."""
    if value.isascii() and '"' not in value and "\\" not in value:
        return [f'{name}="{value}"']
    pieces = [ch if _attr_char(ch) else quote(ch.encode("utf-8"), safe="") for ch in value]
    segments: list[str] = []
    current = ""
    for piece in pieces:  # never split a %XX triplet or a character's bytes
        if current and len(current) + len(piece) > _SEGMENT:
            segments.append(current)
            current = ""
        current += piece
    segments.append(current)
    if len(segments) == 1:
        return [f"{name}*=utf-8''{segments[0]}"]
    return [f"{name}*0*=utf-8''{segments[0]}"] + [
        f"{name}*{i}*={segment}" for i, segment in enumerate(segments[1:], start=1)
    ]


def _attr_char(ch: str) -> bool:
    # RFC 2231 attribute-char: printable ASCII except tspecials, space, "*", "'" and "%".
    return ch.isascii() and (ch.isalnum() or ch in "!#$&+-.^_`|~")


def rfc2047_words(value: str) -> list[str]:
    """``value`` as UTF-8 encoded words, split between characters (ASCII stays as it is)."""
    if value.isascii():
        return [value]
    words: list[bytes] = []
    chunk = b""
    for ch in value:
        encoded = ch.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return [f"=?UTF-8?B?{base64.b64encode(w).decode('ascii')}?=" for w in words]


def _attachment_part(attachment: Attachment) -> Message:
    maintype, subtype = attachment.mime_type
    words = rfc2047_words(attachment.filename.replace("\\", "_").replace('"', "_"))
    words[0] = f'name="{words[0]}'
    words[-1] += '"'
    params = rfc2231_parameter("filename", attachment.filename)
    part = Message(policy=_SMTP_POLICY)
    part["Content-Type"] = _Folded([f"{maintype}/{subtype};", *words])  # type: ignore[assignment]
    part["Content-Transfer-Encoding"] = "base64"
    part["Content-Disposition"] = _Folded(  # type: ignore[assignment]
        ["attachment;", *(p + ";" for p in params[:-1]), params[-1]]
    )
    part.set_payload(base64.encodebytes(attachment.data).decode("ascii"))
    return part


def _text_part(text: str) -> Message:
    part = Message(policy=_SMTP_POLICY)
    part["Content-Type"] = 'text/plain; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "base64"
    data = text.replace("\n", "\r\n").encode("utf-8")
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def stable_message_id(agency: str, sha256s: Sequence[str], recipients: Sequence[str],
                      domain: str) -> str:
    """The same Message-ID for the same files to the same recipients of the same agency, so
    that a deliberate re-send is recognised by the recipient's mail client as the same message."""
    key = "\0".join([agency, *sha256s, "", *sorted(a.lower() for a in recipients)])
    return f"<ar-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def recipient_header(agency: str, addresses: Sequence[str]) -> str:
    return ", ".join(formataddr((agency, a), charset="utf-8") for a in addresses)


def compose(*, sender: Sender, to: Sequence[str], agency: str, subject: str, body: str,
            attachments: Sequence[Attachment], bcc: Sequence[str] = (),
            message_id: str | None = None, date: str | None = None) -> Composed:
    """Build the message; ``bcc`` is written as a header only for dry-run files (see send)."""
    message = MIMEMultipart("mixed", policy=_SMTP_POLICY)
    message["From"] = sender.header()
    message["To"] = recipient_header(agency, to)
    if bcc:
        message["Bcc"] = ", ".join(bcc)
    message["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]
    message["Date"] = date or format_datetime(dt.datetime.now(CHINA_TIME).replace(microsecond=0))
    message_id = message_id or make_msgid(domain=sender.domain)
    message["Message-ID"] = message_id
    message.attach(_text_part(body))
    for attachment in attachments:
        message.attach(_attachment_part(attachment))
    return Composed(as_bytes(message), subject, message_id, tuple(to))


def as_bytes(message: Message) -> bytes:
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=_SMTP_POLICY).flatten(message)
    return buffer.getvalue()
