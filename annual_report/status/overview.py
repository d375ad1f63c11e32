"""Where every agency stands in the year's cycle, from what the other steps left behind.

Read only: the master (its rows, their check, and the sheet 收表记录 that ``collect`` keeps), the
forms record and send log of the forms folder, the build manifest and the send log of the output
folder. Nothing is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks.run import check_workbook, usual_year
from ..clock import shown
from ..forms.issue import forms_folder, load_record
from ..forms.ledger import LedgerRow, State, read_ledger_file
from ..mail.forms_planning import FORM
from ..mail.log import LOG_NAME, REPORT, SendLog
from ..report.manifest import load_manifest


@dataclass
class AgencyStatus:
    agency: str
    row: int
    form: str = "未生成"  # 未生成 / 已生成未发送 / 已发送
    form_sent_at: str = ""
    returned: str = "未交表"  # 未交表 / 已交表 / 交回未改动 / 已交表未合并
    returned_at: str = ""
    errors: int = 0
    warnings: int = 0
    first_error: str = ""
    report: str = "未生成"  # 未生成 / 最新 / 过期（需重新生成）/ 带错误生成
    sent: str = "未发送"  # 未发送 / 已发送 / 已发送（更正）/ 已发送旧版
    sent_at: str = ""

    @property
    def has_returned(self) -> bool:
        return self.returned != "未交表"

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    @property
    def is_sent(self) -> bool:
        return self.sent.startswith("已发送") and self.sent != "已发送旧版"


@dataclass
class Overview:
    master: Path
    year: int | None
    agencies: list[AgencyStatus]
    made_at: str
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        a = self.agencies
        return {
            "机关": len(a),
            "表单已发送": sum(s.form == "已发送" for s in a),
            "已交表": sum(s.has_returned for s in a),
            "无错误": sum(not s.has_errors for s in a),
            "报告最新": sum(s.report == "最新" for s in a),
            "报告已发送": sum(s.is_sent for s in a),
        }


def _short(moment: str) -> str:
    return shown(moment, seconds=False) if moment else ""


def _delivered(log: SendLog, agency: str, kind: str) -> list[dict[str, Any]]:
    """The log's deliveries of files of ``kind`` (report or form) to the agency, oldest first."""
    return [r for r in log.records if r.get("agency") == agency and r.get("delivered")
            and r.get("kind", REPORT) == kind]


def _returned(status: AgencyStatus, rows: list[LedgerRow]) -> None:
    taken = [r for r in rows if r.state in (State.MERGED, State.UNCHANGED)]
    if taken:
        latest = max(taken, key=LedgerRow.order)
        status.returned = "已交表" if latest.state == State.MERGED else "交回未改动"
        status.returned_at = _short(latest.received_at)
    elif rows:
        status.returned = f"已交表未合并（{rows[-1].state.removesuffix('未合并')}）"
        status.returned_at = _short(rows[-1].received_at)


def build_overview(master: Path, out: Path, forms_dir: Path | None = None) -> Overview:
    """The status of every agency of the master."""
    report = check_workbook(master)
    year = usual_year(report.rows)
    forms_dir = forms_dir or forms_folder(out, year)
    record = load_record(forms_dir) if forms_dir.is_dir() else None
    manifest = load_manifest(out)
    log = SendLog.load(out / LOG_NAME)
    ledger = read_ledger_file(master)
    agencies: list[AgencyStatus] = []
    seen: set[str] = set()
    for row in report.rows:
        if row.agency in seen:
            continue
        seen.add(row.agency)
        row_year = row.year or year
        status = AgencyStatus(row.agency, row.row)
        findings = report.findings_for(row)
        status.errors = sum(f.is_error for f in findings)
        status.warnings = len(findings) - status.errors
        first = next((f for f in findings if f.is_error), None)
        status.first_error = f"{first.cell} {first.message}" if first else ""
        if record is not None and record.get(row.agency, row_year) is not None:
            form = record.get(row.agency, row_year)
            sent = [r for r in _delivered(log, row.agency, FORM)
                    if form is not None and r.get("sha256") == form.sha256]
            earlier = [r for r in _delivered(log, row.agency, FORM) if r not in sent]
            status.form = "已发送" if sent else "已重新生成未发送" if earlier else "已生成未发送"
            status.form_sent_at = _short(str(sent[-1].get("time", ""))) if sent else ""
        _returned(status, [r for r in ledger if r.agency == row.agency])
        entry = manifest.get(row.agency, row_year)
        if entry is not None:
            current = entry.row_sha256 == row.fingerprint() and entry.file_current(out)
            status.report = ("带错误生成" if not entry.valid else "最新" if current
                             else "过期（需重新生成）")
            sent = [r for r in _delivered(log, row.agency, REPORT)
                    if r.get("year") in (row_year, None)]
            if sent:
                last = sent[-1]
                status.sent_at = _short(str(last.get("time", "")))
                if last.get("sha256") != entry.current_sha256:
                    status.sent = "已发送旧版"
                else:
                    status.sent = "已发送（更正）" if last.get("corrected") else "已发送"
        agencies.append(status)
    made = shown(dt.datetime.now().astimezone()) + "（北京时间）"
    notes = [] if forms_dir.is_dir() else [f"没有找到填报表文件夹 {forms_dir}（“表单”一列为空）；"
                                             "表单在别处时请用 --forms 指定。"]
    return Overview(master, year, agencies, made, notes)
