"""Talk to the SMTP server: connect (implicit TLS, STARTTLS or, when asked, none) and log in,
deliver one message with retries and back-off on temporary failures, at a limited rate.

A 5xx answer refuses a recipient (or the message) for good; 4xx answers, dropped connections and
time-outs before the message's content is complete are tried again. Once the content has gone out,
the message may be delivered whatever happens next: a connection dropped, a time-out waiting for
the final answer (up to ``data_timeout``, 10 minutes as RFC 5321 asks) or an interruption leaves it
*in doubt* and it is never tried again by itself. A :class:`Journal` records each attempt before
the content goes out and its answer after, so that a killed run leaves a true account.

Every server answer and error is passed through :func:`~annual_report.mail.secrets.scrub`, and the
strings the client sent to log in are remembered as secrets, so the password never shows in any
encoding in a message, a log line or a result.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence

from ..errors import MailError
from .message import Sender
from .secrets import remember, scrub
from .settings import PASSWORD_ENV, Security, SendSettings
from .wire import (
    Delivery,
    DeliveryInterrupted,
    Journal,
    RateLimiter,
    TemporaryFailure,
    Transaction,
    answer_text,
    connect_error,
    dot_quoted,
    guarded,
    is_loopback,
)

__all__ = ["Delivery", "DeliveryInterrupted", "Journal", "RateLimiter", "SmtpClient",
           "TemporaryFailure", "scrub"]


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
        self._journal: Journal | None = None
        self._result: Delivery | None = None
        self._in_flight: tuple[str, list[str]] | None = None  # attempt recorded, answer not yet
        self.user: str | None = None
        if settings.needs_login(password):
            self.user = settings.user or (Sender.parse(settings.sender).address
                                          if settings.sender else None)
            if password is None:
                raise MailError(
                    f"登录账号 {self.user} 需要密码：请设置环境变量 {PASSWORD_ENV}，"
                    "或在提示时输入。"
                )
            if settings.security is Security.NONE and not is_loopback(settings.host or ""):
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
        return scrub(text, self._password, self.user)

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
            raise connect_error(self.settings, exc, self._scrub) from None
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
        remember(self._password, self.user)
        send = smtp.send

        def recording(text: str | bytes) -> None:  # what the client itself puts on the wire
            line = text.decode("ascii", "replace") if isinstance(text, bytes) else text
            remember(self._password, self.user, sent=[line])
            send(text)

        setattr(smtp, "send", recording)  # noqa: B010 (an instance attribute, undone below)
        try:
            smtp.login(self.user, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:  # e.g. 454: the server cannot check passwords now
                raise TemporaryFailure(self._scrub(answer_text(exc.smtp_code, exc.smtp_error))) from None
            raise MailError(self._scrub(
                f"登录被拒绝（{answer_text(exc.smtp_code, exc.smtp_error)}）：请检查账号 {self.user}"
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
                raise TemporaryFailure(self._scrub(answer_text(exc.smtp_code, exc.smtp_error))) from None
            raise MailError(self._scrub(
                f"登录失败（{answer_text(exc.smtp_code, exc.smtp_error)}）：请检查账号和密码。"
            )) from None
        except smtplib.SMTPException as exc:  # "No suitable authentication method found."
            raise MailError(self._scrub(
                f"无法登录服务器 {self.settings.server}（{exc}）。请确认加密方式和端口。"
            )) from None
        finally:
            delattr(smtp, "send")  # back to the class's method

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
                     data: bytes) -> Transaction:
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
                refused[address] = (code, self._scrub(answer_text(code, message)))
                if code == 421:
                    raise TemporaryFailure(refused[address][1])
        if not any(a in accepted for a in recipients):  # no copy without the original
            code, answer = next(refused[a] for a in recipients)
            return self._ended("rcpt", code, answer, [], refused)
        return self._data(smtp, data, accepted, refused)

    def _close_attempt(self, delivered: Sequence[str], answer: str) -> None:
        """Record the answer to the attempt in flight; who has the message now."""
        if self._in_flight is not None and self._journal is not None:
            self._journal.answered(self._in_flight[0], delivered, answer)
        self._in_flight = None
        if self._result is not None:
            self._result.delivered += [a for a in delivered if a not in self._result.delivered]

    def _data(self, smtp: smtplib.SMTP, data: bytes, accepted: list[str],
              refused: dict[str, tuple[int, str]]) -> Transaction:
        """DATA, recorded as an attempt first; the content; the final answer (or doubt)."""
        attempt = self._journal.before_data(accepted) if self._journal is not None else ""
        self._in_flight = (attempt, list(accepted))
        try:
            code, message = smtp.docmd("data")
            if code != 354:  # the content was not asked for: certainly not delivered
                self._close_attempt([], self._scrub(answer_text(code, message)))
                return self._ended("data", code, message, accepted, refused)
            smtp.send(dot_quoted(data))  # raises before the final dot has gone out
        except OSError as exc:
            self._close_attempt([], self._scrub(f"连接中断（{exc or type(exc).__name__}）"))
            raise
        with guarded() as guard:
            if smtp.sock is not None:
                smtp.sock.settimeout(self.settings.data_timeout)
            try:
                code, message = smtp.getreply()
            except OSError as exc:
                guard.waiting = False
                return Transaction("doubt", 0, self._doubt_words(exc), accepted, refused)
            guard.waiting = False
            if smtp.sock is not None:
                smtp.sock.settimeout(self.settings.timeout)
            answer = self._scrub(answer_text(code, message))
            self._close_attempt(accepted if code == 250 else [], answer)
        if code != 250:
            return self._ended("data", code, message, accepted, refused)
        return Transaction("data", code, answer, accepted, refused)

    def _doubt_words(self, exc: OSError) -> str:
        if "timed out" in str(exc):
            return (f"邮件内容已发出，但服务器 {self.settings.server} 在 "
                    f"{self.settings.data_timeout:g} 秒内没有确认收下")
        return self._scrub(f"邮件内容已发出，但服务器 {self.settings.server} 在确认前断开了连接（{exc}）")

    def _ended(self, stage: str, code: int, message: bytes | str, accepted: list[str],
               refused: dict[str, tuple[int, str]]) -> Transaction:
        answer = self._scrub(answer_text(code, message))
        if code == 421:  # the server is closing the connection
            raise TemporaryFailure(answer)
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.rset()
        return Transaction(stage, code, answer, accepted, refused)

    def deliver(self, sender: str, recipients: Sequence[str], data: bytes,
                copies: Sequence[str] = (), journal: Journal | None = None) -> Delivery:
        """Send ``data`` to every recipient; retry the temporary failures with back-off.

        A 5xx answer to a recipient refuses that recipient only; a 5xx answer to the message
        (DATA) refuses it for all; 4xx answers, a dropped connection or a time-out before the
        content has gone out are tried again (``retries`` times, waiting ``retry_wait`` seconds,
        doubled each time). Once the content has gone out without a final answer, its recipients
        are ``uncertain`` and never tried again here. ``copies`` (archive addresses) go along with
        the recipients, never alone. Each attempt is recorded in ``journal`` before the content
        goes out, and its answer after; Ctrl+C raises :class:`DeliveryInterrupted`.
        """
        result = Delivery()
        self._journal, self._result = journal, result
        try:
            self._deliver(result, sender, recipients, data, copies)
        except KeyboardInterrupt:
            if self._in_flight is not None:
                result.uncertain += [a for a in self._in_flight[1] if a not in result.uncertain]
            self._in_flight = None
            self._drop()
            raise DeliveryInterrupted(result) from None
        finally:
            self._journal = self._result = None
        return result

    def _deliver(self, result: Delivery, sender: str, recipients: Sequence[str], data: bytes,
                 copies: Sequence[str]) -> None:
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
            elif tx.stage == "doubt":  # never again by itself: it may have arrived
                self._drop()
                self._in_flight = None
                result.uncertain += [a for a in tx.accepted if a not in result.uncertain]
            elif tx.stage == "data" and tx.code == 250:
                pass  # recorded in result.delivered as the answer was recorded
            elif tx.stage == "data" and tx.code < 500:
                temporary.update(dict.fromkeys([a for a in tx.accepted if a in pending],
                                               tx.answer))
            elif tx.code >= 500 and tx.stage != "rcpt":  # the message itself was refused
                for address in pending:
                    result.refused.setdefault(address, tx.answer)
                temporary = {}
            pending = [a for a in pending if a in temporary]
            copies_left = [c for c in copies_left if c not in result.delivered
                           and c not in result.refused and c not in result.uncertain]
        for address in copies_left:
            if result.attempts and address not in result.delivered:
                result.refused.setdefault(address, f"未送达：{result.answer}")
        for address in pending:
            answer = temporary.get(address, result.answer)
            result.refused[address] = f"{answer}（重试 {self.settings.retries} 次后仍未成功）"

    def _sender_refused(self, tx: Transaction) -> None:
        if tx.code == 552:  # too large: this message only
            return
        hint = ("服务器要求先登录：请用 --user 指定登录账号。" if tx.code == 530 else
                "请检查 --sender：多数邮件系统要求发件人与登录账号一致。")
        raise MailError(f"服务器拒绝了发件人 {self.settings.sender}（{tx.answer}）。{hint}")


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
