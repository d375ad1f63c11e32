"""The plan of a send: for every agency of the workbook, what to send or why nothing is sent.

:func:`plan_sends` gives each agency its current, valid report (and PDF), addressed to those of its
addresses that have not had this very file yet (by the send log), or a result saying what the
office has to fix first (no or bad e-mail address, report not built, not current or invalid), or
that an earlier message is in doubt (状态不明: sent only again when the user asks).

What goes out is an :class:`Outgoing`: an agency, its recipients, the files to attach (path, name
and the SHA-256 of the bytes planned) and the subject and body already rendered. The send loop
(:mod:`annual_report.mail.send`) knows nothing else, so other kinds of attachment can be planned
the same way (:func:`addressing` applies the send log's memory to any file).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..checks.run import check_row
from ..errors import MailError, os_error_words
from ..format.model import default_title
from ..outputs import safe_stem
from ..report.manifest import Entry, load_manifest, manifest_path
from ..workbook.rows import AgencyRow, Workbook
from .log import DELIVERED, IN_DOUBT, LOG_NAME, REPORT, SendLog
from .message import MessageTemplates, Sender, is_address, template_context
from .results import AgencyResult, Status
from .settings import SendSettings


class FileChanged(Exception):
    """A file to attach is not the one planned (changed, deleted or unreadable since)."""


@dataclass(frozen=True)
class OutgoingFile:
    """A file to attach: where it is, the name the recipient sees, the SHA-256 planned."""

    path: Path
    name: str
    sha256: str

    def read(self) -> bytes:
        """The bytes to attach, read once; :class:`FileChanged` unless they are the ones planned."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise FileChanged(f"无法读取 {self.path}：{os_error_words(exc)}") from exc
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise FileChanged(f"{self.path} 在准备发送后被改动了")
        return data


@dataclass
class Outgoing:
    """One message to send: files for an agency, to the addresses that lack them."""

    agency: str
    year: int | None
    email_cell: str
    addresses: tuple[str, ...]  # all of the agency's addresses (the To header)
    pending: tuple[str, ...]  # those to send to now (the envelope)
    bcc: tuple[str, ...]  # archive addresses that have not had these files yet
    files: tuple[OutgoingFile, ...]
    subject: str
    body: str
    identity: dict[str, Any]  # what every log record of it carries: kind, file, sha256, ...
    corrected: bool = False
    supplement: bool = False  # only the PDF, made after the DOCX had been sent
    file: str | None = None  # the file as the results show it (relative to the output folder)
    # addresses whose earlier message is in doubt (-> when it went out), left alone
    uncertain: dict[str, str] = field(default_factory=dict)
    resend: tuple[str, ...] = ()  # in-doubt addresses sent again because the user asked
    notes: tuple[str, ...] = ()  # words for the result

    @property
    def kind(self) -> str:
        return str(self.identity.get("kind", REPORT))


@dataclass
class Plan:
    out: Path
    settings: SendSettings
    sender: Sender
    templates: MessageTemplates
    log: SendLog
    outgoing: list[Outgoing]
    results: list[AgencyResult]  # agencies with nothing to send, with the reason
    order: list[str]  # agencies in workbook order, for the summary
    confirm: list[Outgoing] = field(default_factory=list)  # in doubt, confirmed as received


@dataclass(frozen=True)
class Addressing:
    """Who gets a file now, by the send log."""

    pending: tuple[str, ...]
    bcc: tuple[str, ...]
    delivered: dict[str, str]  # address (lower case) -> when
    in_doubt: dict[str, str]  # address as written -> when its message went out in doubt
    resend: tuple[str, ...]


def addressing(log: SendLog, agency: str, key: str, value: str, addresses: Sequence[str],
               bcc: Sequence[str], *, kind: str = REPORT, resend_uncertain: bool = False
               ) -> Addressing:
    """Apply the log's memory of the file ``key`` = ``value`` to the agency's addresses."""
    states = log.states(agency, key, value, kind)
    delivered = {a: s.time for a, s in states.items() if s.state == DELIVERED}
    doubt = {a: states[a.lower()].time for a in [*addresses, *bcc]
             if a.lower() in states and states[a.lower()].state == IN_DOUBT}
    own = {a.lower() for a in addresses}

    def wanted(address: str) -> bool:
        return address.lower() not in delivered and (resend_uncertain or address not in doubt)

    return Addressing(
        pending=tuple(a for a in addresses if wanted(a)),
        bcc=tuple(b for b in _unique(bcc) if wanted(b) and b.lower() not in own),
        delivered=delivered, in_doubt=doubt,
        resend=tuple(a for a in doubt if resend_uncertain))


def uncertain_words(in_doubt: dict[str, str], agency: str, reason: str | None = None) -> str:
    """What 状态不明 means for these addresses and what to do about it."""
    when = min(in_doubt.values()).replace("T", " ")[:16]
    why = reason or "邮件已交给服务器，但没有收到服务器的最终答复（连接中断、超时或程序被中断）"
    again = "" if reason else "，所以没有再发"
    return (f"{when} 发给 {'、'.join(in_doubt)} 的邮件状态不明：{why}，不能确定对方是否收到{again}。"
            f"请向该单位确认：没收到的，运行 send --resend-uncertain --only \"{agency}\" 重发"
            "（邮件编号与上次相同，对方邮箱能认出是同一封）；已收到的，运行 "
            f"send --confirm-uncertain --only \"{agency}\" 记为已发送")


def _unique(addresses: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return tuple(result)


def _select(workbook: Workbook, only: Sequence[str] | None) -> list[AgencyRow]:
    rows: list[AgencyRow] = []
    seen: set[str] = set()
    for row in workbook.rows:  # the first row of a duplicated name (the duplicate is an error)
        if row.agency not in seen:
            seen.add(row.agency)
            rows.append(row)
    if not only:
        return rows
    names = [r.agency for r in rows]
    wanted = [n.strip() for n in only]
    for name in wanted:
        if name not in names:
            near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            hint = (f"相近的有：{'、'.join(near)}。" if near
                    else "请写机关全称，与总表「机关全称」列一致。")
            raise MailError(f"--only「{name}」在总表中找不到。{hint}")
    return [r for r in rows if r.agency in wanted]


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file, None when it is missing; unreadable: :class:`FileChanged`."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileChanged(f"无法读取 {path}：{os_error_words(exc)}。请检查文件权限后重新运行 send") \
            from exc


def _hand_edited(entry: Entry, out: Path) -> bool:
    """The report on disk is not the one build wrote last (a hand edit build keeps)."""
    try:
        return _digest(entry.path(out)) != entry.current_sha256 and entry.path(out).exists()
    except FileChanged:
        return False


def _report_problem(row: AgencyRow, entry: Entry | None, out: Path) -> tuple[Status, str] | None:
    changed = entry is None or entry.row_sha256 != row.fingerprint()
    errors = [f for f in check_row(row) if f.is_error] if changed or row.has_errors else []
    if errors:
        first = errors[0]
        return Status.INVALID, (
            f"该单位数据有错误（如 {first.cell}：{first.message}），报告不能发送；"
            "请改正总表后重新运行 build")
    if entry is None:
        return Status.NOT_BUILT, "尚未生成报告，请先运行 build"
    if not entry.valid:
        return Status.INVALID, "该单位的报告是带着错误生成的（--allow-invalid），不能发送；请改正总表后重新运行 build"
    if changed:
        if _hand_edited(entry, out):
            return Status.NOT_CURRENT, (
                f"报告未更新：总表中该单位的数据已改动，而 {entry.file} 有手工修改，build 不会覆盖它。"
                "请把改动写进这份报告，或运行 build --force --only \"" + row.agency
                + "\" 重新生成（手工修改会丢失）")
        return Status.NOT_CURRENT, "报告未更新，请先运行 build（总表中该单位的数据已改动）"
    try:
        if _digest(entry.path(out)) != entry.current_sha256:
            return Status.NOT_CURRENT, (
                f"报告未更新，请先运行 build（{entry.file} 已被改动或删除；手工修改会被保留）")
        pdf = entry.pdf_path(out)
        if pdf is not None and _digest(pdf) != entry.pdf_sha256:
            return Status.NOT_CURRENT, (
                f"报告未更新，请先运行 build --pdf（{entry.pdf} 已被改动或删除）")
    except FileChanged as exc:
        return Status.UNREADABLE, str(exc)
    return None


def _email_problem(row: AgencyRow) -> tuple[Status, str] | None:
    cell = row.cell("email")
    addresses = row.values.get("email")
    if addresses is None:
        raw = row.raw.get("email")
        if raw is None or str(raw).strip() == "":
            return Status.NO_EMAIL, f"未填联系邮箱，请在 {cell} 填写"
        return Status.BAD_EMAIL, f"联系邮箱「{str(raw).strip()}」有误，请改正 {cell}"
    bad = [a for a in addresses if not is_address(a)]
    if bad or not addresses:
        shown = bad[0] if bad else ""
        return Status.BAD_EMAIL, (
            f"联系邮箱「{shown}」含中文、全角或其他邮件服务器不接受的字符，请改正 {cell}"
        )
    return None


def _files(entry: Entry, out: Path, agency: str, year: int | None) -> tuple[OutgoingFile, ...]:
    stem = safe_stem(default_title(agency, year if year is not None else ""))
    files = [OutgoingFile(entry.path(out), stem + Path(entry.file).suffix.lower(),
                          entry.current_sha256)]
    pdf = entry.pdf_path(out)
    if pdf is not None and entry.pdf and entry.pdf_sha256:
        files.append(OutgoingFile(pdf, stem + Path(entry.pdf).suffix.lower(), entry.pdf_sha256))
    return tuple(files)


def render(templates: MessageTemplates, sender: Sender, agency: str, year: int | None,
           files: Sequence[OutgoingFile], addresses: Sequence[str], *, corrected: bool = False,
           supplement: bool = False, corrections: int = 0) -> tuple[str, str]:
    """The subject and body of one message (the templates run in Jinja's sandbox)."""
    context = template_context(agency, year, corrected=corrected,
                               attachments=[f.name for f in files], addresses=addresses,
                               sender=sender, supplement=supplement, corrections=corrections)
    return templates.render(context, agency)


def _report_item(plan: Plan, row: AgencyRow, entry: Entry, addresses: tuple[str, ...],
                 resend_uncertain: bool) -> Outgoing | AgencyResult:
    """The agency's report to send now, or why not (already sent, or in doubt)."""
    year = entry.year if entry.year is not None else row.year
    files = _files(entry, plan.out, row.agency, year)
    identity: dict[str, Any] = {"kind": REPORT, "year": year, "file": entry.file,
                                "sha256": entry.current_sha256, "pdf": entry.pdf,
                                "pdf_sha256": entry.pdf_sha256, "supplement": False}
    who = addressing(plan.log, row.agency, "sha256", entry.current_sha256, addresses,
                     plan.settings.bcc, resend_uncertain=resend_uncertain)
    supplement = False
    if not who.pending and not who.in_doubt and entry.pdf and entry.pdf_sha256:
        # The DOCX went out before its PDF existed: send the PDF alone, once.
        pdf_who = addressing(plan.log, row.agency, "pdf_sha256", entry.pdf_sha256, addresses,
                             (), resend_uncertain=resend_uncertain)
        if pdf_who.pending or pdf_who.in_doubt:
            who, supplement, files = pdf_who, True, files[1:]
            identity["supplement"] = True
    doubt = {a: t for a, t in who.in_doubt.items() if a not in who.resend}
    item = Outgoing(
        agency=row.agency, year=year, email_cell=row.cell("email"), addresses=addresses,
        pending=who.pending, bcc=who.bcc, files=files, subject="", body="", identity=identity,
        corrected=not supplement and plan.log.earlier_version_sent(
            row.agency, year, entry.current_sha256),
        supplement=supplement, file=entry.file, uncertain=doubt, resend=who.resend)
    if not who.pending:
        if doubt:
            return item  # in doubt: listed (or confirmed), never sent silently
        when = min(who.delivered[a.lower()] for a in addresses)
        return AgencyResult(row.agency, Status.ALREADY_SENT, addresses,
                            f"这份报告已于 {when.replace('T', ' ')[:16]} 发送，不再重复发送",
                            file=entry.file)
    item.subject, item.body = render(plan.templates, plan.sender, row.agency, year, files,
                                     addresses, corrected=item.corrected, supplement=supplement)
    return item


def plan_sends(workbook: Workbook, out: Path, settings: SendSettings, *,
               only: Sequence[str] | None = None, resend_uncertain: bool = False,
               confirm_uncertain: bool = False) -> Plan:
    """Decide, for every agency (or those named in ``only``), what to send or why not.

    Call it under the output folder's lock (:func:`annual_report.mail.send.send_lock`), so that
    the send log it reads is the one the sending appends to.
    """
    if resend_uncertain and confirm_uncertain:
        raise MailError("--resend-uncertain（重发）和 --confirm-uncertain（记为已收到）只能选一个。")
    manifest = load_manifest(out)  # with the journal of a build that was killed before saving
    if not manifest.entries and not manifest_path(out).exists():
        raise MailError(
            f"输出文件夹 {out} 中没有生成记录（{manifest_path(out).name}）。"
            "请先运行 build 生成报告；"
            "如果报告生成在别的文件夹，请用 --out 指定。"
        )
    settings.check(dry_run=True)
    sender = Sender.parse(settings.sender or "")
    templates = MessageTemplates.load(settings.subject_template, settings.body_template)
    plan = Plan(out, settings, sender, templates, SendLog.load(out / LOG_NAME), [], [], [])
    rows = _select(workbook, only)
    plan.order = [r.agency for r in rows]
    duplicates = workbook.duplicates()
    for row in rows:
        entry = manifest.get(row.agency, row.year)
        duplicate = (Status.INVALID, f"总表中有 {len(duplicates[row.agency])} 行都是这个机关：请删除或"
                     "合并重复的行，重新运行 build 后再发送") if row.agency in duplicates else None
        problems = [p for p in (duplicate, _email_problem(row), _report_problem(row, entry, out))
                    if p]
        addresses = _unique(row.values.get("email") or [])
        if problems:
            plan.results.append(AgencyResult(
                row.agency, problems[0][0], addresses, "；".join(d for _, d in problems),
                file=entry.file if entry else None))
            continue
        assert entry is not None
        planned = _report_item(plan, row, entry, addresses, resend_uncertain)
        place(plan, row.agency, planned, entry.file, confirm_uncertain)
    return plan


def place(plan: Plan, agency: str, planned: Outgoing | AgencyResult, file: str,
          confirm_uncertain: bool) -> None:
    """Put one agency's planned message where it belongs: to send, to record as received
    (--confirm-uncertain), or listed as 状态不明 or with the reason it is not sent."""
    if isinstance(planned, AgencyResult):
        plan.results.append(planned)
        return
    if planned.uncertain and confirm_uncertain:
        plan.confirm.append(replace(planned, pending=tuple(planned.uncertain), bcc=()))
        planned.uncertain = {}
    if planned.pending:
        plan.outgoing.append(planned)
    elif planned.uncertain:
        plan.results.append(AgencyResult(
            agency, Status.UNCERTAIN, tuple(planned.uncertain),
            uncertain_words(planned.uncertain, agency), planned.corrected, file))
