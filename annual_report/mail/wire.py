"""The parts of talking to an SMTP server that need no connection: what a delivery reports
(:class:`Delivery`), where it records its attempts (:class:`Journal`), how Ctrl+C is handled
around a server's final answer (:func:`guarded`), the rate limit, and the words for errors.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import signal
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol

from ..errors import MailError
from .settings import Security, SendSettings


class TemporaryFailure(Exception):
    """A failure worth another try (4xx answer, dropped connection, time-out)."""


class Journal(Protocol):
    """Where a delivery records its attempts (the send log): each call is durable on return."""

    def before_data(self, recipients: Sequence[str]) -> str:
        """Record an attempt to hand the message to ``recipients``; return its id."""

    def answered(self, attempt: str, delivered: Sequence[str], answer: str) -> None:
        """Record the server's final answer to the attempt (``delivered``: who has it now)."""


class DeliveryInterrupted(KeyboardInterrupt):
    """Ctrl+C during a delivery; ``delivery`` says what the server had accepted by then."""

    def __init__(self, delivery: Delivery) -> None:
        super().__init__()
        self.delivery = delivery


class Guard:
    """Ctrl+C: at once while waiting for the server; after recording an answer already given."""

    def __init__(self) -> None:
        self.waiting = True
        self.caught = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.waiting:
            raise KeyboardInterrupt
        self.caught = True


@contextlib.contextmanager
def guarded() -> Iterator[Guard]:
    guard = Guard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    # Ctrl+C, and SIGTERM/SIGHUP (a closed terminal, kill), which the command treats alike
    wanted = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, guard) for sig in wanted}
    try:
        yield guard
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.default_int_handler)
    if guard.caught:
        raise KeyboardInterrupt


def dot_quoted(data: bytes) -> bytes:
    """The content as sent after DATA: leading dots doubled, ended by ``CRLF.CRLF``."""
    quoted = re.sub(rb"(?m)^\.", b"..", data)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def answer_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    text = " ".join(text.split())
    if text.startswith(f"{code} ") or text == str(code):  # some servers repeat the code
        return text
    return f"{code} {text}".strip()


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """At most ``per_minute`` starts a minute (0: no limit)."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            delay = self._last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()


@dataclass
class Delivery:
    """The outcome of one message: who has it, who refused it (with the server's answer)."""

    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)  # the content went out; no final answer
    answer: str = ""
    attempts: int = 0


@dataclass
class Transaction:
    stage: str  # "mail", "rcpt" (no recipient accepted), "data" or "doubt" (no final answer)
    code: int  # the final answer (DATA), or the answer that ended the transaction
    answer: str
    accepted: list[str]
    refused: dict[str, tuple[int, str]]


def connect_error(s: SendSettings, exc: Exception, scrub: Callable[[str], str]) -> Exception:
    """What went wrong while connecting, for the user: MailError, or TemporaryFailure."""
    where = s.server
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            f"服务器 {where} 的证书校验失败（{exc.verify_message or exc.reason}）。"
            "请确认服务器地址写的是证书上的名称；如果单位使用内部 CA 签发的证书，"
            "请用 --cafile 指定该 CA 证书文件。"
        )
    if isinstance(exc, ssl.SSLError):
        hint = ("该端口可能不是 SSL 端口：465 端口用 --security ssl，587 端口用 "
                "--security starttls。" if s.security is Security.SSL else
                "请确认加密方式与端口匹配。")
        return MailError(f"与服务器 {where} 建立加密连接失败（{exc.reason or exc}）。{hint}")
    if isinstance(exc, socket.gaierror):
        return MailError(f"找不到邮件服务器 {s.host}：请检查 --smtp 中的服务器地址和网络。")
    if isinstance(exc, ConnectionRefusedError):
        return MailError(
            f"无法连接 {where}（连接被拒绝）：请检查服务器地址和端口。"
            "SSL 一般为 465 端口，STARTTLS 一般为 587 端口。"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = scrub(answer_text(exc.smtp_code, exc.smtp_error))
        if 400 <= exc.smtp_code < 500:
            return TemporaryFailure(answer)
        return MailError(f"服务器 {where} 拒绝连接（{answer}）。请与邮件系统管理员联系。")
    if isinstance(exc, OSError):  # dropped, reset, timed out
        reason = exc or type(exc).__name__
        return TemporaryFailure(scrub(f"连接 {where} 失败或中断（{reason}）"))
    return MailError(scrub(f"连接 {where} 时出错（{type(exc).__name__}：{exc}）。"))
