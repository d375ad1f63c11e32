"""Check a whole master workbook: reading problems (R5), figure rules and narrative rules.

The result is a :class:`CheckReport`: data, not exceptions. Only an unusable file raises.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..findings import Finding
from ..workbook.rows import AgencyRow, ReadOptions, Workbook, read_workbook
from ..workbook.values import is_blank
from .aggregate import tree_rows, with_aggregate_findings
from .causes import by_cause, explain
from .narrative import check_narrative
from .parallel import check_rows
from .published import check_against, check_published
from .rules import check_figures, rule_email
from .verdict import CheckReport, checker_sha256, checker_sources

__all__ = ["CheckReport", "check_row", "check_workbook", "checker_sha256", "checker_sources",
           "usual_year"]


def check_row(row: AgencyRow, previous: AgencyRow | None = None) -> list[Finding]:
    """Every finding of one agency, errors first, a figure that does not add up before what
    follows from it (see :mod:`.causes`)."""
    explained = explain(row, check_figures(row, previous))
    narrative = check_narrative(row, previous, explained.suspects)
    found = [*row.findings, *explained.findings, *narrative, *rule_email(row),
             *check_published(row)]
    return by_cause(found, explained.follow_ons)


def check_workbook(
    path: Path | str,
    options: ReadOptions | None = None,
    previous_path: Path | str | None = None,
    trusted: Callable[[AgencyRow], bool] | None = None,
    sum_in_force: bool = False,
    against: Path | str | None = None,
    memo: Path | None = None,
) -> CheckReport:
    """Read and check a workbook (and compare with last year's, when given).

    ``trusted(row)`` may say that a row is known to be valid (unchanged since a build that checked
    it with the same code): its rules are then not run again, so its warnings are not listed.
    ``sum_in_force``: aggregates' 现行有效 are sums of their children's too (A1).
    ``against`` names the approved master workbook an imported one is compared with (P1).
    ``memo``: where the rows read last time are remembered (see :mod:`..workbook.memo`).
    """
    options = options or ReadOptions()
    if memo:  # build's memo reads the sheet as XML (lxml, pickle …): imported only then
        from ..workbook.memo import read_with_memo

        workbook = read_with_memo(Path(path), options, memo)
    else:
        workbook = read_workbook(path, options)
    previous = read_workbook(previous_path, ReadOptions()) if previous_path else None
    last_year = previous.by_agency() if previous else {}
    year = usual_year(workbook.rows)
    checked = [row for row in workbook.rows
               if trusted is None or row.findings or not trusted(row)]
    workbook.load([*checked, *tree_rows(workbook.rows)])  # in one go, not one by one
    findings = check_rows(lambda row: [*check_row(row, last_year.get(row.agency)),
                                       *check_year_and_date(row, year)], checked)
    findings = with_aggregate_findings(workbook.rows, findings, sum_in_force)  # needs every row
    notes = previous_notes(workbook, previous, year) if previous else []
    if against is not None:
        published, against_notes = check_against(workbook, against)
        # the published reports are compared, not sent: they carry no 联系邮箱
        findings = [f for f in findings if f.rule != "EMAIL"]
        findings.extend(published)
        notes.extend(against_notes)
    # Stable: each row's findings keep check_row's order (the cause first), errors first.
    findings.sort(key=lambda f: (f.row, not f.is_error))
    return CheckReport(workbook, findings, previous, notes)


def usual_year(rows: list[AgencyRow]) -> int | None:
    """The report year most rows give (a workbook is one year's)."""
    years = Counter(r.year for r in rows if r.year)
    return years.most_common(1)[0][0] if years else None


def check_year_and_date(row: AgencyRow, year: int | None) -> list[Finding]:
    """YEAR: a row of another year than the workbook's; DATE: a 成文日期 that is missing or not
    in the weeks after the report year (reports are published by 31 January)."""
    found: list[Finding] = []
    if year is not None and row.year is not None and row.year != year:
        found.append(row.finding(
            "year", "YEAR",
            f"报告年度填的是 {row.year}，总表中其他机关是 {year}。请核对年度（报告会放在 "
            f"output/{row.year}/ 下）。", warning=True))
    date = row.values.get("report_date")
    if row.year is None or "report_date" not in row.columns:
        return found
    if date is None and is_blank(row.raw.get("report_date")):
        found.append(row.finding(
            "report_date", "DATE",
            "成文日期为空：报告末尾将只有机关名称，没有日期。请填写成文日期，如 "
            f"{row.year + 1}-01-20。", warning=True))
    elif isinstance(date, dt.date) and date.year != row.year + 1:
        found.append(row.finding(
            "report_date", "DATE",
            f"成文日期 {date.isoformat()} 不在 {row.year + 1} 年：{row.year} 年度的报告一般在 "
            f"{row.year + 1} 年 1 月成文。请核对日期或报告年度。", warning=True))
    return found


def previous_notes(workbook: Workbook, previous: Workbook, year: int | None) -> list[str]:
    """Signs that --previous names the wrong workbook, or that agencies cannot be compared."""
    notes: list[str] = []
    last = usual_year(previous.rows)
    if year is not None and last is not None and last != year - 1:
        notes.append(
            f"--previous 指定的总表 {previous.path.name} 是 {last} 年度的，本总表是 {year} 年度："
            f"跨年核对应使用 {year - 1} 年度的总表。请确认文件是否选对。")
    names = previous.by_agency()
    unmatched = [r.agency for r in workbook.rows if r.agency not in names]
    if unmatched and len(unmatched) == len(workbook.rows):
        notes.append(
            f"上年总表 {previous.path.name} 中一个机关也对不上，跨年核对（W1、W3）没有进行。"
            "请确认文件是否选对，以及两年的机关全称是否一致。")
    elif unmatched:
        listed = "、".join(unmatched[:5]) + ("等" if len(unmatched) > 5 else "")
        notes.append(
            f"上年总表中找不到 {len(unmatched)} 个机关（{listed}），这些机关没有做跨年核对；"
            "如果是改了名称，请在两年的总表中使用相同的机关全称。")
    return notes
