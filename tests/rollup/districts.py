"""Hand-made districts for the roll-up tests, written with openpyxl directly (not the project's
writer), and the sums an aggregate must hold, computed independently: over the leaves below it."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font, PatternFill

from annual_report.format.model import FIELDS, FIGURE_FIELDS, Kind
from factories import fill_consistent, zero_record

IN_FORCE = ("rules.in_force", "normative.in_force")
# 汇总到 right after 机关全称: the reader must not depend on the blank workbook's column order.
ORDER = ["agency", "parent", *(f.key for f in FIELDS if f.key not in ("agency", "parent"))]
HEADER = {f.key: f.header for f in FIELDS}
DISTRICT = "测试区人民政府"
OFFICE = "测试区人民政府办公室"


def leaf(name: str, parent: str | None, seed: int) -> dict[str, Any]:
    """A consistent agency whose every kind of figure is non-trivial (money with 4 / 2 decimals)."""
    rng = random.Random(seed)
    record = fill_consistent(zero_record(name), rng)
    for f in FIELDS:
        if f.table == "二" and f.kind is Kind.COUNT:
            record[f.key] = rng.randint(0, 40)
    record["fees.amount"] = Decimal(rng.randint(0, 999_999)).scaleb(-4)
    amount = Decimal(rng.randint(0, 50_000)).scaleb(-2)
    record["processing_fee.notice_amount"] = amount
    record["processing_fee.collected"] = min(amount, Decimal(rng.randint(0, 50_000)).scaleb(-2))
    if amount and not record["processing_fee.notices"]:
        record["processing_fee.notices"] = 1
    record["parent"] = parent
    return record


def aggregate(name: str, parent: str | None = None, **figures: Any) -> dict[str, Any]:
    """An aggregate row: name, year, its own 现行有效, texts; every other figure blank."""
    return {
        "agency": name, "year": 2024, "parent": parent, "report_date": "2025-01-20",
        "email": "district@example.cn",
        "rules.in_force": 3, "normative.in_force": 41,
        "text.problems": "一是公开工作还不够均衡。", "text.improvements": "一是加强统筹指导。",
        **figures,
    }


def two_levels() -> list[dict[str, Any]]:
    """A district over its own office (本级) and three departments."""
    return [
        aggregate(DISTRICT),
        leaf(OFFICE, DISTRICT, 1),
        *(leaf(f"测试区第{n}局", DISTRICT, 10 + n) for n in range(1, 4)),
    ]


def three_levels() -> list[dict[str, Any]]:
    """A district over its office, two departments and two townships, each township over its own
    本级 row and two offices (the aggregates are not listed first, and a township sits mid-sheet)."""
    records = [leaf(OFFICE, DISTRICT, 1), leaf("测试区教育局", DISTRICT, 2)]
    for t, town in enumerate(("测试区甲镇人民政府", "测试区乙街道办事处"), start=1):
        records.append(aggregate(town, DISTRICT, **{"rules.in_force": 0, "normative.in_force": t}))
        records.append(leaf(f"{town}（本级）", town, 100 * t))
        records += [leaf(f"{town}第{n}站", town, 100 * t + n) for n in (1, 2)]
    records.append(leaf("测试区卫生健康局", DISTRICT, 3))
    records.insert(1, aggregate(DISTRICT))
    return records


def children_of(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for r in records:
        if r.get("parent"):
            found.setdefault(r["parent"], []).append(r["agency"])
    return found


def expected_sums(records: list[dict[str, Any]], sum_in_force: bool = False) -> dict[str, dict[str, Any]]:
    """Aggregate -> key -> the sum over every leaf below it (not level by level)."""
    by_name = {r["agency"]: r for r in records}
    kids = children_of(records)

    def leaves(name: str) -> list[dict[str, Any]]:
        if name not in kids:
            return [by_name[name]]
        return [leaf for child in kids[name] for leaf in leaves(child)]

    sums: dict[str, dict[str, Any]] = {}
    for name in kids:
        below = leaves(name)
        sums[name] = {}
        for f in FIGURE_FIELDS:
            if f.key in IN_FORCE and not sum_in_force:
                continue
            zero: Any = Decimal(0) if f.kind is not Kind.COUNT else 0
            sums[name][f.key] = sum((r[f.key] for r in below), zero)
    return sums


def filled(records: list[dict[str, Any]], **options: bool) -> list[dict[str, Any]]:
    """The records with every aggregate's figures filled with the right sums."""
    sums = expected_sums(records, **options)
    return [{**r, **sums.get(r["agency"], {})} for r in records]


def write_master(path: Path, records: list[dict[str, Any]], title_row: bool = True) -> Path:
    """An office's own master: a title row, Chinese headers, 汇总到 in column B, a second sheet
    with formatting the copy must keep."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "总表"
    offset = 1 if title_row else 0
    if title_row:
        ws.cell(row=1, column=1, value="测试区2024年政府信息公开年度报告总表").font = Font(bold=True)
    for c, key in enumerate(ORDER, start=1):
        head = ws.cell(row=1 + offset, column=c, value=HEADER[key])
        head.fill = PatternFill("solid", fgColor="FFD966")
    for r, record in enumerate(records, start=2 + offset):
        for c, key in enumerate(ORDER, start=1):
            value = record.get(key)
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    notes = book.create_sheet("联系人")
    notes["A1"] = "联系人一览"
    notes["A1"].font = Font(bold=True, color="C00000")
    notes.column_dimensions["A"].width = 33
    book.save(path)
    return path


def first_row(title_row: bool = True) -> int:
    return 3 if title_row else 2


def cell_of(records: list[dict[str, Any]], agency: str, key: str, title_row: bool = True) -> str:
    """``总表!BC7`` of an agency's field in a master written by :func:`write_master`."""
    from annual_report.workbook.sheets import column_letter

    row = [r["agency"] for r in records].index(agency) + first_row(title_row)
    return f"总表!{column_letter(ORDER.index(key))}{row}"
