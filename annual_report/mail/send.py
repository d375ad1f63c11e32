"""Send each agency its built report by e-mail: once, and again only when it was corrected.

The steps, each usable on its own (the command line is a thin layer over them):

* :func:`annual_report.mail.settings.resolve_settings` — server settings from options and the
  config file ``send.toml`` (never a password: that comes from ``SMTP_PASSWORD`` or a prompt, and
  only as an argument);
* :func:`annual_report.mail.planning.plan_sends` — for every agency of the workbook, what to send
  (its current, valid report to the addresses that have not had this very file yet) or why
  nothing is sent;
* :func:`send_plan` — write ``.eml`` files (dry run) or send over SMTP
  (:mod:`annual_report.mail.smtp`: rate limit, retries with back-off on temporary failures) with
  permanent failures recorded while the others go on, and one JSON line per message in
  ``<out>/send-log.jsonl`` (:mod:`annual_report.mail.log`);
* :func:`send_reports` — all of it in one call.

The send log is the memory of what was delivered: an address that has accepted a report file
(by its SHA-256) never gets that file again; a rebuilt report (new SHA-256) is sent again to the
agency, marked 【更正】 in the subject.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import MailError, ReportError
from ..outputs import atomic_write_bytes, exclusive, unique_stems
from ..workbook.rows import Workbook, read_workbook
from .message import Attachment, compose, template_context
from .planning import Outgoing, Plan, plan_sends
from .results import AgencyResult, SendResult, Status
from .settings import SendSettings
from .smtp import Delivery, SmtpClient, TemporaryFailure, scrub

LOCK_NAME = ".send.lock"
EML_DIR_NAME = "eml"
EML_MARKER = ".send-dry-run"


def interrupted_result(plan: Plan, finished: Sequence[AgencyResult], *, dry_run: bool,
                       eml_dir: Path | None = None) -> SendResult:
    """The result of a run stopped (Ctrl+C) after ``finished``: the rest are marked."""
    done = {r.agency: r for r in [*plan.results, *finished]}
    for item in plan.outgoing:
        done.setdefault(item.agency, AgencyResult(
            item.agency, Status.INTERRUPTED, item.pending,
            "发送被中断，尚未发送；重新运行 send 会继续发送", item.corrected, item.entry.file))
    return SendResult([done[n] for n in plan.order if n in done], dry_run, plan.log.path,
                      eml_dir)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _compose(plan: Plan, item: Outgoing, *, with_bcc: bool) -> tuple[bytes, str, str]:
    attachments = [Attachment.from_file(path, name) for path, name in item.attachments]
    context = template_context(
        item.agency, item.year, corrected=item.corrected,
        attachments=[a.filename for a in attachments], addresses=item.addresses,
        sender=plan.sender, supplement=item.supplement)
    try:
        subject = plan.templates.subject(context)
        body = plan.templates.body(context)
    except Exception as exc:  # a custom template failing for this agency's values
        raise MailError(f"{plan.templates.subject_source}/{plan.templates.body_source} "
                        f"无法为「{item.agency}」生成邮件：{exc}。请检查模板。") from exc
    composed = compose(sender=plan.sender, to=item.addresses, agency=item.agency,
                       subject=subject, body=body, attachments=attachments,
                       bcc=item.bcc if with_bcc else ())
    return composed.data, composed.subject, composed.message_id


def _dry_run(plan: Plan, eml_dir: Path, on_start: Callable[[str], None] | None,
             on_done: Callable[[AgencyResult], None] | None) -> list[AgencyResult]:
    eml_dir.mkdir(parents=True, exist_ok=True)
    marker = eml_dir / EML_MARKER
    if marker.exists():  # a folder of our own earlier dry run: drop its stale files
        for old in eml_dir.glob("*.eml"):
            old.unlink()
    atomic_write_bytes(marker, "generate.py send --dry-run 生成的邮件文件夹\n".encode())
    stems = unique_stems([item.agency for item in plan.outgoing])
    results: list[AgencyResult] = []
    for item in plan.outgoing:
        if on_start:
            on_start(item.agency)
        data, subject, _ = _compose(plan, item, with_bcc=True)
        path = eml_dir / f"{stems[item.agency]}.eml"
        atomic_write_bytes(path, data)
        result = AgencyResult(
            item.agency, Status.DRY_RUN, item.pending,
            f"{'更正后重发；' if item.corrected else ''}主题：{subject}；文件：{path.name}",
            item.corrected,
            item.entry.file, eml=path)
        results.append(result)
        if on_done:
            on_done(result)
    return results


def _record(plan: Plan, item: Outgoing, subject: str, message_id: str, bcc: Sequence[str],
            delivery: Delivery, status: Status) -> dict[str, Any]:
    return {
        "time": _now(),
        "agency": item.agency,
        "year": item.year,
        "addresses": list(item.pending),
        "bcc": list(bcc),
        "file": item.entry.file,
        "sha256": item.entry.current_sha256,
        "pdf": item.entry.pdf,
        "pdf_sha256": item.entry.pdf_sha256,
        "result": status.value,
        "corrected": item.corrected,
        "supplement": item.supplement,
        "delivered": delivery.delivered,
        "refused": delivery.refused,
        "answer": delivery.answer,
        "attempts": delivery.attempts,
        "subject": subject,
        "message_id": message_id,
        "server": plan.settings.server,
    }


def _send_one(plan: Plan, client: SmtpClient, item: Outgoing) -> AgencyResult:
    data, subject, message_id = _compose(plan, item, with_bcc=False)
    bcc = item.bcc
    delivery = client.deliver(plan.sender.address, item.pending, data, copies=bcc)
    got = [a for a in item.pending if a in delivery.delivered]
    refused = {a: r for a, r in delivery.refused.items() if a in item.pending}
    status = Status.SENT if not refused else Status.PARTIAL if got else Status.FAILED
    plan.log.append(_record(plan, item, subject, message_id, bcc, delivery, status))
    notes: list[str] = []
    if item.corrected:
        notes.append("更正后重发")
    if item.supplement:
        notes.append("补发 PDF（DOCX 此前已发送）")
    if got:
        notes.append(f"已送达 {'、'.join(got)}")
    for address, answer in refused.items():
        notes.append(f"{address} 未送达：{answer}")
    if refused:
        notes.append(f"请核对 {item.email_cell} 中的地址，或稍后重新运行 send"
                     "（已送达的不会重复发送）")
    for address in bcc:
        if address in delivery.refused:
            notes.append(f"归档地址 {address} 未收到：{delivery.refused[address]}")
    return AgencyResult(item.agency, status, item.pending, "；".join(notes), item.corrected,
                        item.entry.file, answer=delivery.answer, attempts=delivery.attempts)


def send_plan(plan: Plan, *, password: str | None = None, dry_run: bool = False,
              eml_dir: Path | None = None, on_start: Callable[[str], None] | None = None,
              on_done: Callable[[AgencyResult], None] | None = None,
              sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Carry out a plan: write ``.eml`` files (``dry_run``) or send and log every message.

    Raises :class:`MailError` when sending cannot start (server, certificate, login, sender);
    every message failure after that is a result, not an exception.
    """
    done: dict[str, AgencyResult] = {r.agency: r for r in plan.results}
    aborted: str | None = None
    eml_path: Path | None = None
    if dry_run:
        eml_path = eml_dir or plan.out / EML_DIR_NAME
        for result in _dry_run(plan, eml_path, on_start, on_done):
            done[result.agency] = result
    elif plan.outgoing:
        plan.settings.check(dry_run=False)
        with exclusive(plan.out / LOCK_NAME, MailError(
                f"另一个 send 正在使用输出文件夹 {plan.out}。请等它结束后再运行，以免重复发送。")), \
                SmtpClient(plan.settings, password, sleep=sleep, clock=clock) as client:
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
                except MailError as exc:
                    if index == 0:
                        raise
                    aborted = scrub(str(exc), password)
                    for rest in plan.outgoing[index:]:
                        done[rest.agency] = AgencyResult(
                            rest.agency, Status.FAILED, rest.pending,
                            f"未发送：{aborted}", rest.corrected, rest.entry.file)
                        if on_done:
                            on_done(done[rest.agency])
                    break
                done[item.agency] = result
                if on_done:
                    on_done(result)
    ordered = [done[name] for name in plan.order if name in done]
    return SendResult(ordered, dry_run, plan.log.path, eml_path, aborted)


def send_reports(workbook: Path | Workbook, out: Path, settings: SendSettings, *,
                 password: str | None = None, dry_run: bool = False,
                 eml_dir: Path | None = None, only: Sequence[str] | None = None,
                 on_start: Callable[[str], None] | None = None,
                 on_done: Callable[[AgencyResult], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> SendResult:
    """Read the workbook, plan and send (or write ``.eml`` files) in one call."""
    settings.check(dry_run=dry_run)
    book = workbook if isinstance(workbook, Workbook) else read_workbook(workbook)
    plan = plan_sends(book, out, settings, only=only)
    try:
        return send_plan(plan, password=password, dry_run=dry_run, eml_dir=eml_dir,
                         on_start=on_start, on_done=on_done, sleep=sleep)
    except ReportError as exc:
        message = scrub(str(exc), password)
        if message == str(exc):
            raise
        raise type(exc)(message) from None
