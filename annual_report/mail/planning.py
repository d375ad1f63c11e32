"""The plan of a send: for every agency of the workbook, what to send or why nothing is sent.

:func:`plan_sends` gives each agency its current, valid report (and PDF), addressed to those of its
addresses that have not had this very file yet (by the send log), or a result saying what the
office has to fix first (no or bad e-mail address, report not built, not current or invalid).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..checks.run import check_row
from ..errors import MailError
from ..format.model import default_title
from ..outputs import safe_stem, sha256_file
from ..report.manifest import Entry, load_manifest, manifest_path
from ..workbook.rows import AgencyRow, Workbook
from .log import LOG_NAME, SendLog
from .message import MessageTemplates, Sender, is_address
from .results import AgencyResult, Status
from .settings import SendSettings


@dataclass
class Outgoing:
    """One message to send: an agency's current report to the addresses that lack it."""

    agency: str
    year: int | None
    email_cell: str
    addresses: tuple[str, ...]  # all of the agency's addresses (the To header)
    pending: tuple[str, ...]  # those that have not had this file yet (the envelope)
    bcc: tuple[str, ...]  # archive addresses that have not had this file yet
    entry: Entry
    corrected: bool
    attachments: tuple[tuple[Path, str], ...]  # (file, name shown to the recipient)
    supplement: bool = False  # only the PDF, made after the DOCX had been sent


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
        return Status.NOT_CURRENT, "报告未更新，请先运行 build（总表中该单位的数据已改动）"
    if not entry.file_current(out):
        return Status.NOT_CURRENT, (
            f"报告未更新，请先运行 build（{entry.file} 已被改动或删除；手工修改会被保留）"
        )
    pdf = entry.pdf_path(out)
    if pdf is not None and sha256_file(pdf) != entry.pdf_sha256:
        return Status.NOT_CURRENT, (
            f"报告未更新，请先运行 build --pdf（{entry.pdf} 已被改动或删除）"
        )
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


def _attachments(entry: Entry, out: Path, agency: str, year: int | None) -> tuple[
        tuple[Path, str], ...]:
    stem = safe_stem(default_title(agency, year if year is not None else ""))
    files = [(entry.path(out), stem + Path(entry.file).suffix.lower())]
    pdf = entry.pdf_path(out)
    if pdf is not None and entry.pdf:
        files.append((pdf, stem + Path(entry.pdf).suffix.lower()))
    return tuple(files)


def plan_sends(workbook: Workbook, out: Path, settings: SendSettings, *,
               only: Sequence[str] | None = None) -> Plan:
    """Decide, for every agency (or those named in ``only``), what to send or why not."""
    if not manifest_path(out).exists():
        raise MailError(
            f"输出文件夹 {out} 中没有生成记录（{manifest_path(out).name}）。"
            "请先运行 build 生成报告；"
            "如果报告生成在别的文件夹，请用 --out 指定。"
        )
    settings.check(dry_run=True)
    sender = Sender.parse(settings.sender or "")
    templates = MessageTemplates.load(settings.subject_template, settings.body_template)
    manifest = load_manifest(out)
    log = SendLog.load(out / LOG_NAME)
    rows = _select(workbook, only)
    duplicates = workbook.duplicates()
    outgoing: list[Outgoing] = []
    results: list[AgencyResult] = []
    for row in rows:
        entry = manifest.get(row.agency, row.year)
        duplicate = (Status.INVALID, f"总表中有 {len(duplicates[row.agency])} 行都是这个机关：请删除或"
                     "合并重复的行，重新运行 build 后再发送") if row.agency in duplicates else None
        problems = [p for p in (duplicate, _email_problem(row), _report_problem(row, entry, out))
                    if p]
        addresses = _unique(row.values.get("email") or [])
        if problems:
            results.append(AgencyResult(
                row.agency, problems[0][0], addresses, "；".join(d for _, d in problems),
                file=entry.file if entry else None))
            continue
        assert entry is not None
        delivered = log.delivered(row.agency, entry.current_sha256)
        pending = tuple(a for a in addresses if a.lower() not in delivered)
        year = entry.year if entry.year is not None else row.year
        if not pending and entry.pdf and entry.pdf_sha256:
            # The DOCX went out before its PDF existed: send the PDF alone, once.
            had_pdf = log.delivered_pdf(row.agency, entry.pdf_sha256)
            pdf_pending = tuple(a for a in addresses if a.lower() not in had_pdf)
            if pdf_pending:
                outgoing.append(Outgoing(
                    agency=row.agency, year=year, email_cell=row.cell("email"),
                    addresses=addresses, pending=pdf_pending, bcc=(), entry=entry,
                    corrected=False, attachments=_attachments(entry, out, row.agency, year)[1:],
                    supplement=True))
                continue
        if not pending:
            when = min(delivered[a.lower()] for a in addresses)
            results.append(AgencyResult(
                row.agency, Status.ALREADY_SENT, addresses,
                f"这份报告已于 {when.replace('T', ' ')[:16]} 发送，不再重复发送", file=entry.file))
            continue
        outgoing.append(Outgoing(
            agency=row.agency,
            year=year,
            email_cell=row.cell("email"),
            addresses=addresses,
            pending=pending,
            bcc=tuple(b for b in _unique(settings.bcc) if b.lower() not in delivered
                      and b.lower() not in {a.lower() for a in addresses}),
            entry=entry,
            corrected=log.earlier_version_sent(row.agency, year, entry.current_sha256),
            attachments=_attachments(entry, out, row.agency, year),
        ))
    return Plan(out, settings, sender, templates, log, outgoing, results, [r.agency for r in rows])
