"""Talk to the SMTP server: connect (implicit TLS, STARTTLS or, when asked, none) and log in,
deliver one message with retries and back-off on temporary failures, at a limited rate.

A 5xx answer refuses a recipient (or the message) for good; 4xx answers, dropped connections and
time-outs are tried again. Every server answer and error is passed through :func:`scrub`, so the
password never shows in a message, a log line or a result.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..errors import MailError
from .message import Sender
from .settings import PASSWORD_ENV, Security, SendSettings


class TemporaryFailure(Exception):
    """A failure worth another try (4xx answer, dropped connection, time-out)."""


def scrub(text: str, password: str | None) -> str:
    """``text`` without the password in any form it could take on the wire."""
    if not password:
        return text
    forms = {password, base64.b64encode(password.encode("utf-8")).decode("ascii")}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    text = " ".join(text.split())
    if text.startswith(f"{code} ") or text == str(code):  # some servers repeat the code
        return text
    return f"{code} {text}".strip()


def _is_loopback(host: str) -> bool:
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
    answer: str = ""
    attempts: int = 0


@dataclass
class _Transaction:
    stage: str  # "mail", "rcpt" (no recipient accepted) or "data"
    code: int  # the final answer (DATA), or the answer that ended the transaction
    answer: str
    accepted: list[str]
    refused: dict[str, tuple[int, str]]


class SmtpClient:
    """One SMTP connection, opened when first needed and again after it was dropped."""

    def __init__(self, settings: SendSettings, password: str | None, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._password = password
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate, clock=clock, sleep=sleep)
        self._smtp: smtplib.SMTP | None = None
        self.user: str | None = None
        if settings.needs_login(password):
            self.user = settings.user or (Sender.parse(settings.sender).address
                                          if settings.sender else None)
            if password is None:
                raise MailError(
                    f"登录账号 {self.user} 需要密码：请设置环境变量 {PASSWORD_ENV}，"
                    "或在提示时输入。"
                )
            if settings.security is Security.NONE and not _is_loopback(settings.host or ""):
                raise MailError(
                    "不加密（--security none）时不能登录：密码会以明文在网络上传输。"
                    "请改用 --security ssl（465 端口）或 --security starttls（587 端口）。"
                )

    def __repr__(self) -> str:  # never show the password
        return f"SmtpClient({self.settings.server}, user={self.user!r})"

    # -- connection --

    def _context(self) -> ssl.SSLContext:
        cafile = str(self.settings.cafile) if self.settings.cafile else None
        return ssl.create_default_context(cafile=cafile)

    def _scrub(self, text: str) -> str:
        return scrub(text, self._password)

    def connect(self) -> None:
        """Open and log in; :class:`MailError` for what retrying cannot fix, else TemporaryFailure."""
        if self._smtp is not None:
            return
        s = self.settings
        host, port = s.host or "", s.effective_port
        smtp: smtplib.SMTP | None = None
        try:
            if s.security is Security.SSL:
                smtp = smtplib.SMTP_SSL(host, port, timeout=s.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=s.timeout)
            smtp.ehlo()
            if s.security is Security.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"服务器 {s.server} 不支持 STARTTLS。请确认端口（STARTTLS 一般为 587），"
                        "或改用 --security ssl（465 端口）。"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.user is not None:
                self._login(smtp)
        except (MailError, TemporaryFailure):  # already worded for the user
            _close(smtp)
            raise
        except Exception as exc:
            _close(smtp)
            raise self._connect_error(exc) from None
        except BaseException:
            _close(smtp)
            raise
        self._smtp = smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        assert self.user is not None and self._password is not None
        if not self._password.isascii() or not self.user.isascii():
            raise MailError(
                "邮箱账号或密码中含有中文或全角字符，邮件服务器的登录方式不支持。"
                "请确认输入法处于英文状态；有的邮箱可以改用只含字母和数字的“客户端授权码”。")
        try:
            smtp.login(self.user, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:  # e.g. 454: the server cannot check passwords now
                raise TemporaryFailure(self._scrub(_answer(exc.smtp_code, exc.smtp_error))) from None
            raise MailError(self._scrub(
                f"登录被拒绝（{_answer(exc.smtp_code, exc.smtp_error)}）：请检查账号 {self.user}"
                f"（--user）和密码（环境变量 {PASSWORD_ENV}）；"
                "有的邮箱要用“客户端授权码”代替登录密码。"
            )) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"服务器 {self.settings.server} 不提供登录（AUTH）。如果该服务器无需登录，"
                f"请去掉 --user 并清除环境变量 {PASSWORD_ENV}。"
            ) from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(self._scrub(_answer(exc.smtp_code, exc.smtp_error))) from None
            raise MailError(self._scrub(
                f"登录失败（{_answer(exc.smtp_code, exc.smtp_error)}）：请检查账号和密码。"
            )) from None
        except smtplib.SMTPException as exc:  # "No suitable authentication method found."
            raise MailError(self._scrub(
                f"无法登录服务器 {self.settings.server}（{exc}）。请确认加密方式和端口。"
            )) from None

    def _connect_error(self, exc: Exception) -> Exception:
        s = self.settings
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
            answer = self._scrub(_answer(exc.smtp_code, exc.smtp_error))
            if 400 <= exc.smtp_code < 500:
                return TemporaryFailure(answer)
            return MailError(f"服务器 {where} 拒绝连接（{answer}）。请与邮件系统管理员联系。")
        if isinstance(exc, OSError):  # dropped, reset, timed out
            reason = exc or type(exc).__name__
            return TemporaryFailure(self._scrub(f"连接 {where} 失败或中断（{reason}）"))
        return MailError(self._scrub(f"连接 {where} 时出错（{type(exc).__name__}：{exc}）。"))

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            _close(smtp)

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        _close(smtp)

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending --

    def _alive(self) -> None:
        """Reconnect quietly when the server has closed an idle connection."""
        if self._smtp is None:
            return
        try:
            code, _ = self._smtp.noop()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._drop()

    def _transaction(self, sender: str, recipients: Sequence[str], copies: Sequence[str],
                     data: bytes) -> _Transaction:
        smtp = self._smtp
        assert smtp is not None
        options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
        code, message = smtp.mail(sender, options)
        if code != 250:
            return self._ended("mail", code, message, [], {})
        accepted: list[str] = []
        refused: dict[str, tuple[int, str]] = {}
        for address in [*recipients, *copies]:
            code, message = smtp.rcpt(address)
            if code in (250, 251):
                accepted.append(address)
            else:
                refused[address] = (code, self._scrub(_answer(code, message)))
                if code == 421:
                    raise TemporaryFailure(refused[address][1])
        if not any(a in accepted for a in recipients):  # no copy without the original
            code, answer = next(refused[a] for a in recipients)
            return self._ended("rcpt", code, answer, [], refused)
        try:
            code, message = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself refused
            return self._ended("data", exc.smtp_code, exc.smtp_error, accepted, refused)
        if code != 250:
            return self._ended("data", code, message, accepted, refused)
        return _Transaction("data", code, self._scrub(_answer(code, message)), accepted, refused)

    def _ended(self, stage: str, code: int, message: bytes | str, accepted: list[str],
               refused: dict[str, tuple[int, str]]) -> _Transaction:
        answer = self._scrub(_answer(code, message))
        if code == 421:  # the server is closing the connection
            raise TemporaryFailure(answer)
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.rset()
        return _Transaction(stage, code, answer, accepted, refused)

    def deliver(self, sender: str, recipients: Sequence[str], data: bytes,
                copies: Sequence[str] = ()) -> Delivery:
        """Send ``data`` to every recipient; retry the temporary failures with back-off.

        A 5xx answer to a recipient refuses that recipient only; a 5xx answer to the message
        (DATA) refuses it for all; 4xx answers, a dropped connection or a time-out are tried
        again (``retries`` times, waiting ``retry_wait`` seconds, doubled each time).
        ``copies`` (archive addresses) go along with the recipients, never alone.
        """
        result = Delivery()
        pending = list(recipients)
        copies_left = list(copies)
        temporary: dict[str, str] = {}
        while pending and result.attempts <= self.settings.retries:
            if result.attempts:
                self.sleep(self.settings.retry_wait * 2 ** (result.attempts - 1))
            result.attempts += 1
            self.limiter.wait()
            try:
                self._alive()
                self.connect()
                tx = self._transaction(sender, pending, copies_left, data)
            except TemporaryFailure as exc:
                self._drop()
                result.answer = str(exc)
                temporary = dict.fromkeys(pending, result.answer)
                continue
            except OSError as exc:  # dropped connection, time-out, TLS failure, odd reply
                self._drop()
                result.answer = self._scrub(f"连接中断（{exc or type(exc).__name__}）")
                temporary = dict.fromkeys(pending, result.answer)
                continue
            result.answer = tx.answer
            if tx.stage == "mail" and tx.code >= 500:
                self._sender_refused(tx)
            for address, (code, answer) in tx.refused.items():
                if code >= 500:
                    result.refused[address] = answer
            temporary = {a: answer for a, (code, answer) in tx.refused.items()
                         if code < 500 and a in pending}
            if tx.stage == "mail" and tx.code < 500:
                temporary = dict.fromkeys(pending, tx.answer)
            elif tx.stage == "data" and tx.code == 250:
                result.delivered += tx.accepted
            elif tx.stage == "data" and tx.code < 500:
                temporary.update(dict.fromkeys([a for a in tx.accepted if a in pending],
                                               tx.answer))
            elif tx.code >= 500 and tx.stage != "rcpt":  # the message itself was refused
                for address in pending:
                    result.refused.setdefault(address, tx.answer)
                temporary = {}
            pending = [a for a in pending if a in temporary]
            copies_left = [c for c in copies_left
                           if c not in result.delivered and c not in result.refused]
        for address in copies_left:
            if result.attempts and address not in result.delivered:
                result.refused.setdefault(address, f"未送达：{result.answer}")
        for address in pending:
            answer = temporary.get(address, result.answer)
            result.refused[address] = f"{answer}（重试 {self.settings.retries} 次后仍未成功）"
        return result

    def _sender_refused(self, tx: _Transaction) -> None:
        if tx.code == 552:  # too large: this message only
            return
        hint = ("服务器要求先登录：请用 --user 指定登录账号。" if tx.code == 530 else
                "请检查 --sender：多数邮件系统要求发件人与登录账号一致。")
        raise MailError(f"服务器拒绝了发件人 {self.settings.sender}（{tx.answer}）。{hint}")


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
