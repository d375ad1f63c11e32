"""Send each agency its built report by e-mail: once, and again only when it was corrected.

The steps, each usable on its own (the command line is a thin layer over them):

* :func:`annual_report.mail.settings.resolve_settings` — server settings from options and the
  config file ``send.toml`` (never a password: that comes from ``SMTP_PASSWORD`` or a prompt, and
  only as an argument);
* :func:`send_lock` — the output folder's lock, the one ``build`` takes: held from before the
  send log is read until the last message is recorded, so that two runs never plan from the same
  log and a report is never rebuilt while it is being sent;
* :func:`annual_report.mail.planning.plan_sends` — for every agency of the workbook, what to send
  (its current, valid report to the addresses that have not had this very file yet) or why
  nothing is sent (including an earlier message in doubt: 状态不明);
* :func:`send_plan` — write ``.eml`` files (dry run) or send over SMTP
  (:mod:`annual_report.mail.smtp`: rate limit, retries with back-off on temporary failures),
  recording each attempt before the message's content goes out and its answer after, in
  ``<out>/send-log.jsonl`` (:mod:`annual_report.mail.log`);
* :func:`send_reports` — all of it in one call.

A message carries the bytes it is logged with: each file is read once, checked against the
SHA-256 planned, and those very bytes are attached. Its Message-ID is derived from the agency,
the files' SHA-256 and the recipients (the To header), so a deliberate re-send
(``--resend-uncertain``) carries the same Message-ID as the message in doubt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import MailError, OutputError, ReportError, os_error_words
from ..outputs import atomic_write_bytes, exclusive_folder, sha256_bytes, unique_stems
from ..workbook.rows import Workbook, read_workbook
from .log import refuse_link
from .message import Attachment, compose, stable_message_id
from .planning import FileChanged, Outgoing, Plan, plan_sends, uncertain_words
from .results import AgencyResult, SendResult, Status
from .secrets import remember, scrub, scrub_value
from .settings import SendSettings
from .smtp import Delivery, DeliveryInterrupted, SmtpClient, TemporaryFailure

EML_DIR_NAME = "eml"
EML_MARKER = ".send-dry-run"

_HELD: set[Path] = set()  # output folders whose lock this process holds


@contextlib.contextmanager
def send_lock(out: Path) -> Iterator[None]:
    """Hold the output folder's lock (the one ``build`` takes) for the ``with`` block.

    Re-entrant within the process; :class:`MailError` when another send or a build holds it.
    """
    key = out.resolve()
    if key in _HELD or not out.is_dir():  # no folder: planning says what is missing
        yield
        return
    busy = MailError(f"另一个 send 或 build 正在使用输出文件夹 {out}。请等它结束后再运行 send，"
                     "以免重复发送。")
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(exclusive_folder(out, busy))
        except OSError as exc:
            raise MailError(f"无法锁定输出文件夹 {out}：{os_error_words(exc)}。请检查该文件夹的权限。") \
                from exc
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)


def interrupted_result(plan: Plan, finished: Sequence[AgencyResult], *, dry_run: bool,
                       eml_dir: Path | None = None) -> SendResult:
    """The result of a run stopped (Ctrl+C) after ``finished``: the rest are marked."""
    done = {r.agency: r for r in [*plan.results, *finished]}
    for item in plan.confirm:
        done.setdefault(item.agency, AgencyResult(
            item.agency, Status.ALREADY_SENT, item.pending,
            f"按您的确认，{'、'.join(item.pending)} 已记为已收到", item.corrected, item.file))
    for item in plan.outgoing:
        done.setdefault(item.agency, AgencyResult(
            item.agency, Status.INTERRUPTED, item.pending,
            "发送被中断，尚未发送；重新运行 send 会继续发送", item.corrected, item.file))
    return SendResult([done[n] for n in plan.order if n in done], dry_run, plan.log.path,
                      eml_dir)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _compose(plan: Plan, item: Outgoing, *, with_bcc: bool) -> tuple[bytes, str, list[dict[
        str, str]]]:
    """The message's bytes, its Message-ID and what is attached (each file read once)."""
    blobs = [f.read() for f in item.files]
    attached = [{"name": f.name, "sha256": sha256_bytes(b)} for f, b in zip(item.files, blobs,
                                                                            strict=True)]
    message_id = stable_message_id(item.agency, [a["sha256"] for a in attached],
                                   item.addresses, plan.sender.domain)  # the To of every copy
    composed = compose(sender=plan.sender, to=item.addresses, agency=item.agency,
                       subject=item.subject, body=item.body,
                       attachments=[Attachment(f.name, b) for f, b in zip(item.files, blobs,
                                                                          strict=True)],
                       bcc=item.bcc if with_bcc else (), message_id=message_id)
    return composed.data, message_id, attached


def _dry_run(plan: Plan, eml_dir: Path, on_start: Callable[[str], None] | None,
             on_done: Callable[[AgencyResult], None]) -> None:
    if eml_dir == plan.out / EML_DIR_NAME:
        refuse_link(eml_dir, plan.out)
    marker = eml_dir / EML_MARKER
    try:
        eml_dir.mkdir(parents=True, exist_ok=True)
        if marker.exists():  # a folder of our own earlier dry run: drop its stale files
            for old in eml_dir.glob("*.eml"):
                old.unlink()
    except OSError as exc:
        raise OutputError(f"无法写入邮件文件夹 {eml_dir}：{os_error_words(exc)}。请用 --eml-dir 指定"
                          "一个可以写入的文件夹，或检查该文件夹的权限。") from exc
    atomic_write_bytes(marker, "generate.py send --dry-run 生成的邮件文件夹\n".encode())
    stems = unique_stems([item.agency for item in plan.outgoing])
    for item in plan.outgoing:
        if on_start:
            on_start(item.agency)
        try:
            data, _, _ = _compose(plan, item, with_bcc=True)
        except FileChanged as exc:
            result = _changed(item, exc)
        else:
            path = eml_dir / f"{stems[item.agency]}.eml"
            atomic_write_bytes(path, data)
            notes = [*item.notes, *(["更正后重发"] if item.corrected else []),
                     *([f"按 --resend-uncertain 重发给 {'、'.join(item.resend)}"] if item.resend
                       else []), f"主题：{item.subject}", f"文件：{path.name}"]
            if item.uncertain:
                notes.append(uncertain_words(item.uncertain, item.agency))
            result = AgencyResult(item.agency, Status.DRY_RUN, item.pending, "；".join(notes),
                                  item.corrected, item.file, eml=path)
        on_done(result)


def _changed(item: Outgoing, exc: FileChanged) -> AgencyResult:
    return AgencyResult(item.agency, Status.NOT_CURRENT, item.pending,
                        f"{exc}，本次没有发送；请确认文件后重新运行 build，再运行 send",
                        item.corrected, item.file)


class _Journal:
    """Records one message's attempts in the send log (see :class:`~.smtp.Journal`)."""

    def __init__(self, plan: Plan, item: Outgoing, message_id: str,
                 attached: list[dict[str, str]]) -> None:
        self.plan, self.item, self.message_id, self.attached = plan, item, message_id, attached
        self.ids: list[str] = []
        self.open: set[str] = set()

    def record(self, kind: str, **fields: Any) -> None:
        self.plan.log.append(scrub_value({
            "type": kind, "time": _now(), "agency": self.item.agency, **self.item.identity,
            "message_id": self.message_id, "server": self.plan.settings.server, **fields,
        }))  # the password's forms were remembered when the send began

    def before_data(self, recipients: Sequence[str]) -> str:
        attempt = uuid.uuid4().hex
        self.record("attempt", id=attempt, recipients=list(recipients), attached=self.attached,
                    subject=self.item.subject)
        self.ids.append(attempt)
        self.open.add(attempt)
        return attempt

    def answered(self, attempt: str, delivered: Sequence[str], answer: str) -> None:
        self.record("data", attempt=attempt, delivered=list(delivered), answer=answer)
        self.open.discard(attempt)


class _Stop(KeyboardInterrupt):
    """The run stops after this agency (Ctrl+C, or a log that cannot be written)."""

    def __init__(self, result: AgencyResult, reason: str | None = None) -> None:
        super().__init__()
        self.result, self.reason = result, reason


def _conclude(plan: Plan, item: Outgoing, delivery: Delivery, journal: _Journal, *,
              interrupted: bool = False) -> AgencyResult:
    """The agency's result from what the server did, recorded as the message's log line."""
    got = [a for a in item.pending if a in delivery.delivered]
    refused = {a: r for a, r in delivery.refused.items() if a in item.pending}
    unsure = [a for a in [*item.pending, *item.bcc] if a in delivery.uncertain]
    untried = [a for a in item.pending if interrupted and a not in got and a not in refused
               and a not in unsure]
    status = (Status.UNCERTAIN if unsure or item.uncertain else
              Status.INTERRUPTED if untried and not got else
              Status.SENT if not refused and not untried else
              Status.PARTIAL if got else Status.FAILED)
    notes = list(item.notes)
    notes += ["更正后重发"] if item.corrected else []
    notes += ["补发 PDF（DOCX 此前已发送）"] if item.supplement else []
    notes += [f"按 --resend-uncertain 重发给 {'、'.join(item.resend)}（邮件编号与上次相同）"] \
        if item.resend else []
    notes += [f"已送达 {'、'.join(got)}"] if got else []
    notes += [f"{address} 未送达：{answer}" for address, answer in refused.items()]
    if refused:
        notes.append(f"请核对 {item.email_cell} 中的地址，或稍后重新运行 send（已送达的不会重复发送）")
    if unsure:
        notes.append(uncertain_words(dict.fromkeys(unsure, _now()), item.agency,
                                     reason=delivery.answer))
    if item.uncertain:
        notes.append(uncertain_words(item.uncertain, item.agency))
    if untried:
        notes.append(f"发送被中断，{'、'.join(untried)} 尚未发送；重新运行 send 会继续发送")
    for address in item.bcc:
        if address in delivery.refused:
            notes.append(f"归档地址 {address} 未收到：{delivery.refused[address]}")
    result = AgencyResult(item.agency, status, item.pending, "；".join(notes), item.corrected,
                          item.file, answer=delivery.answer, attempts=delivery.attempts)
    try:
        journal.record("message", addresses=list(item.pending), bcc=list(item.bcc),
                       result=status.value, corrected=item.corrected,
                       delivered=delivery.delivered, refused=delivery.refused,
                       uncertain=delivery.uncertain, answer=delivery.answer,
                       attempts=delivery.attempts, subject=item.subject,
                       attempt_ids=journal.ids, resend=list(item.resend))
    except MailError as exc:  # the answers are recorded already (or the attempt is in doubt)
        raise _Stop(result, str(exc)) from None
    return result


def _send_one(plan: Plan, client: SmtpClient, item: Outgoing) -> AgencyResult:
    try:
        data, message_id, attached = _compose(plan, item, with_bcc=False)
    except FileChanged as exc:
        return _changed(item, exc)
    journal = _Journal(plan, item, message_id, attached)
    try:
        delivery = client.deliver(plan.sender.address, item.pending, data, copies=item.bcc,
                                  journal=journal)
    except DeliveryInterrupted as exc:
        raise _Stop(_conclude(plan, item, exc.delivery, journal, interrupted=True)) from None
    except MailError as exc:
        if not journal.ids:
            raise
        status = Status.UNCERTAIN if journal.open else Status.SENT
        words = "邮件已交给服务器，结果未能记下" if journal.open else "邮件已送达"
        raise _Stop(AgencyResult(item.agency, status, item.pending, f"{words}；{exc}",
                                 item.corrected, item.file), str(exc)) from None
    return _conclude(plan, item, delivery, journal)


def _confirm(plan: Plan, item: Outgoing, dry_run: bool) -> AgencyResult:
    """Record in-doubt addresses as received, as the user has confirmed."""
    if not dry_run:
        plan.log.append({"type": "confirmed", "time": _now(), "agency": item.agency,
                         **item.identity, "delivered": list(item.pending),
                         "note": "用户确认对方已收到（--confirm-uncertain）"})
    verb = "将记为" if dry_run else "已记为"
    return AgencyResult(item.agency, Status.ALREADY_SENT, item.pending,
                        f"按您的确认，{'、'.join(item.pending)} {verb}已收到，不再重发",
                        item.corrected, item.file)


def send_plan(plan: Plan, *, password: str | None = None, dry_run: bool = False,
              eml_dir: Path | None = None, on_start: Callable[[str], None] | None = None,
              on_done: Callable[[AgencyResult], None] | None = None,
              sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Carry out a plan: write ``.eml`` files (``dry_run``) or send and log every message.

    Takes the output folder's lock unless the caller holds it (as it should have while
    planning). Raises :class:`MailError` when sending cannot start (server, certificate, login,
    sender); every message failure after that is a result, not an exception. Ctrl+C raises
    KeyboardInterrupt after ``on_done`` was told about the message in flight.
    """
    remember(password, plan.settings.user)
    with send_lock(plan.out):
        if not dry_run and plan.log.changed_on_disk():
            raise MailError(f"发送记录 {plan.log.path} 在准备发送之后被改动了（可能另一个 send 刚刚运行过）。"
                            "为免重复发送，请重新运行 send。")
        return _send_locked(plan, password, dry_run, eml_dir, on_start, on_done, sleep, clock)


def _send_locked(plan: Plan, password: str | None, dry_run: bool, eml_dir: Path | None,
                 on_start: Callable[[str], None] | None,
                 on_done: Callable[[AgencyResult], None] | None,
                 sleep: Callable[[float], None], clock: Callable[[], float]) -> SendResult:
    done: dict[str, AgencyResult] = {r.agency: r for r in plan.results}
    for item in plan.confirm:
        done[item.agency] = _confirm(plan, item, dry_run)
    aborted: str | None = None
    eml_path: Path | None = None

    def finish(result: AgencyResult) -> None:
        done[result.agency] = result
        if on_done:
            on_done(result)

    if dry_run:
        eml_path = eml_dir or plan.out / EML_DIR_NAME
        _dry_run(plan, eml_path, on_start, finish)
    elif plan.outgoing:
        plan.settings.check(dry_run=False)
        with SmtpClient(plan.settings, password, sleep=sleep, clock=clock) as client:
            try:
                client.connect()
            except TemporaryFailure as exc:
                raise MailError(
                    f"暂时无法连接邮件服务器 {plan.settings.server}（{exc}）。请稍后重试。"
                ) from None
            for index, item in enumerate(plan.outgoing):
                if on_start:
                    on_start(item.agency)
                try:
                    result = _send_one(plan, client, item)
                except _Stop as stop:
                    finish(stop.result)
                    if stop.reason is None:  # Ctrl+C
                        raise KeyboardInterrupt from None
                    aborted, rest = scrub(stop.reason, password), plan.outgoing[index + 1:]
                except MailError as exc:
                    if index == 0:
                        raise
                    aborted, rest = scrub(str(exc), password), plan.outgoing[index:]
                else:
                    finish(result)
                    continue
                for other in rest:
                    finish(AgencyResult(other.agency, Status.FAILED, other.pending,
                                        f"未发送：{aborted}", other.corrected, other.file))
                break
    ordered = [done[name] for name in plan.order if name in done]
    return SendResult(ordered, dry_run, plan.log.path, eml_path, aborted)


def send_reports(workbook: Path | Workbook, out: Path, settings: SendSettings, *,
                 password: str | None = None, dry_run: bool = False,
                 eml_dir: Path | None = None, only: Sequence[str] | None = None,
                 resend_uncertain: bool = False, confirm_uncertain: bool = False,
                 on_start: Callable[[str], None] | None = None,
                 on_done: Callable[[AgencyResult], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> SendResult:
    """Read the workbook, then under the output folder's lock plan and send (or write ``.eml``
    files) in one call."""
    remember(password, settings.user)
    settings.check(dry_run=dry_run)
    book = workbook if isinstance(workbook, Workbook) else read_workbook(workbook)
    try:
        with send_lock(out):
            plan = plan_sends(book, out, settings, only=only, resend_uncertain=resend_uncertain,
                              confirm_uncertain=confirm_uncertain)
            return send_plan(plan, password=password, dry_run=dry_run, eml_dir=eml_dir,
                             on_start=on_start, on_done=on_done, sleep=sleep)
    except ReportError as exc:
        message = scrub(str(exc), password)
        if message == str(exc):
            raise
        raise type(exc)(message) from None
