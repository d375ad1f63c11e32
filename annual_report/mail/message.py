"""Compose the e-mail that carries one agency's report.

Subject and body come from Jinja *text* templates (Chinese defaults below, overridable by files).
The message is built with the ``compat32`` MIME classes so that every header is written exactly
as intended: UTF-8 throughout (RFC 2047 encoded words in headers, base64 bodies), and attachment
names that Outlook, Foxmail and web mail all show correctly — RFC 2231 ``filename*`` (with
continuations for long names) in ``Content-Disposition`` and an RFC 2047 ``name`` in
``Content-Type`` as the fallback that older Outlook reads (the combination Thunderbird sends).

Nothing here talks to a server: :mod:`annual_report.mail.smtp` does that.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2 import meta

from ..errors import MailError, os_error_words

CORRECTION_MARK = "【更正】"

DEFAULT_SUBJECT_TEMPLATE = (
    "{% if corrected %}【更正】{% endif %}{% if supplement %}【补发PDF】{% endif %}"
    "{{ agency }}{{ year }}年政府信息公开工作年度报告"
)

DEFAULT_BODY_TEMPLATE = """\
{{ agency }}：

    您好！现将贵单位{{ year }}年政府信息公开工作年度报告{% if corrected %}（更正版）{% endif %}\
发送给您，请查收附件：
{% for name in attachments %}
    {{ loop.index }}. {{ name }}
{% endfor %}
{% if corrected %}

    此前发送的版本已作更正，请以本邮件所附版本为准，此前收到的版本作废。
{% endif %}
{% if supplement %}

    报告内容与此前发送的 DOCX 版相同，现补发 PDF 版，便于查阅和打印。
{% endif %}

    请核对报告内容，如有疑问请直接回复本邮件与我们联系。

{{ sender_name }}
{{ date }}
"""

#: The names a subject or body template may use.
TEMPLATE_VARIABLES: dict[str, str] = {
    "agency": "机关全称",
    "year": "报告年度（如 2024）",
    "corrected": "是否为更正后重发（true/false）",
    "supplement": "是否为补发 PDF（此前已发过同一份报告的 DOCX；true/false）",
    "attachments": "附件文件名列表",
    "addresses": "收件地址列表",
    "sender": "发件人（含名称）",
    "sender_name": "发件人名称（未设名称时为发件地址）",
    "date": "发送日期（如 2025年1月20日）",
}

MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": ("application", "pdf"),
}

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_SMTP_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=78)
# The Date header in the recipients' time (China has one zone and no summer time), whatever the
# sending machine's clock zone is.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
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


# --- templates ------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _sample_context() -> dict[str, Any]:
    return {
        "agency": "示例单位",
        "year": 2024,
        "corrected": True,
        "supplement": True,
        "attachments": ["示例单位2024年政府信息公开工作年度报告.docx"],
        "addresses": ["office@example.cn"],
        "sender": "区政府办公室 <gov@example.cn>",
        "sender_name": "区政府办公室",
        "date": "2025年1月20日",
    }


class MessageTemplates:
    """The subject and body templates, compiled and checked once, rendered for every agency."""

    def __init__(self, subject: str = DEFAULT_SUBJECT_TEMPLATE,
                 body: str = DEFAULT_BODY_TEMPLATE, *, subject_source: str = "默认主题模板",
                 body_source: str = "默认正文模板") -> None:
        env = _environment()
        self._subject = self._compile(env, subject, subject_source)
        self._body = self._compile(env, body, body_source)
        self.subject_source = subject_source
        self.body_source = body_source
        sample = _sample_context()
        for template, source in ((self._subject, subject_source), (self._body, body_source)):
            try:
                template.render(sample)
            except jinja2.TemplateError as exc:
                raise MailError(f"{source} 无法使用：{exc}。请检查模板写法。") from exc
        if not self.subject({**sample, "corrected": False}):
            raise MailError(f"{subject_source} 生成的主题是空的，请在模板中写入主题文字。")

    @classmethod
    def load(cls, subject_file: Path | None = None,
             body_file: Path | None = None) -> MessageTemplates:
        """Defaults, or the given UTF-8 template files (a BOM is accepted)."""
        subject = _read_template(subject_file) if subject_file else DEFAULT_SUBJECT_TEMPLATE
        body = _read_template(body_file) if body_file else DEFAULT_BODY_TEMPLATE
        return cls(subject, body,
                   subject_source=f"主题模板 {subject_file}" if subject_file else "默认主题模板",
                   body_source=f"正文模板 {body_file}" if body_file else "默认正文模板")

    @staticmethod
    def _compile(env: jinja2.Environment, source: str, name: str) -> jinja2.Template:
        try:
            parsed = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise MailError(
                f"{name} 第 {exc.lineno} 行有语法错误：{exc.message}。请检查 {{{{ }}}} 与 "
                "{% %} 是否成对。"
            ) from exc
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(TEMPLATE_VARIABLES))
        if unknown:
            allowed = "、".join(f"{k}（{v}）" for k, v in TEMPLATE_VARIABLES.items())
            raise MailError(
                f"{name} 使用了未知的变量：{'、'.join(unknown)}。可用的变量有：{allowed}。"
            )
        return env.from_string(source)

    def subject(self, context: Mapping[str, Any]) -> str:
        """One line; a correction is always marked, even by a custom template that forgets it."""
        text = " ".join(self._subject.render(context).split())
        if context.get("corrected") and "更正" not in text:
            text = CORRECTION_MARK + text
        return text

    def body(self, context: Mapping[str, Any]) -> str:
        text = self._body.render(context).replace("\r\n", "\n")
        return text if text.endswith("\n") else text + "\n"


def _read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise MailError(f"找不到模板文件 {path}。请检查路径。") from exc
    except UnicodeDecodeError as exc:
        raise MailError(f"模板文件 {path} 不是 UTF-8 编码。请用记事本“另存为”UTF-8 编码后重试。") \
            from exc
    except OSError as exc:
        raise MailError(f"无法读取模板文件 {path}：{os_error_words(exc)}。") from exc


def template_context(agency: str, year: int | None, *, corrected: bool,
                     attachments: Sequence[str], addresses: Sequence[str], sender: Sender,
                     today: dt.date | None = None, supplement: bool = False) -> dict[str, Any]:
    today = today or dt.date.today()
    return {
        "agency": agency,
        "year": year if year is not None else "",
        "corrected": corrected,
        "supplement": supplement,
        "attachments": list(attachments),
        "addresses": list(addresses),
        "sender": f"{sender.name} <{sender.address}>" if sender.name else sender.address,
        "sender_name": sender.name or sender.address,
        "date": f"{today.year}年{today.month}月{today.day}日",
    }


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
