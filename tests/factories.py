"""Hand-made agency records and rows for the tests (consistent unless a test breaks them)."""

from __future__ import annotations

import random
from typing import Any

from annual_report.form import (
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    FIELDS,
    FIGURE_FIELDS,
    RESULT_ROWS,
)
from annual_report.workbook import AgencyRow, ReadOptions, parse_row

COLUMNS = {f.key: i for i, f in enumerate(FIELDS)}


def zero_record(agency: str = "测试区测试局", year: int = 2024) -> dict[str, Any]:
    """A valid record: every figure 0, short texts."""
    record: dict[str, Any] = {f.key: 0 for f in FIGURE_FIELDS}
    record.update({
        "agency": agency,
        "year": year,
        "email": "office@example.cn",
        "text.overview": "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。",
        "text.proactive": "全年主动公开政府信息120条。",
        "text.problems": "一是公开内容还不够全面。",
        "text.improvements": "一是进一步加强公开工作。",
    })
    return record


def fill_consistent(record: dict[str, Any], rng: random.Random, scale: int = 6) -> dict[str, Any]:
    """Fill tables 三 and 四 with random figures that satisfy R1–R4."""
    for col in APPLICANT_COLUMNS:
        results = {r: rng.randint(0, scale) if rng.random() < 0.4 else 0 for r in RESULT_ROWS}
        carried_over = rng.randint(0, scale)
        done = sum(results.values())
        carried_in = rng.randint(0, done + carried_over)
        record.update({f"apps.{r}.{col}": v for r, v in results.items()})
        record[f"apps.results_total.{col}"] = done
        record[f"apps.carried_over.{col}"] = carried_over
        record[f"apps.carried_in.{col}"] = carried_in
        record[f"apps.new.{col}"] = done + carried_over - carried_in
    for row in APP_ROWS:
        record[f"apps.{row.key}.total"] = sum(record[f"apps.{row.key}.{c}"] for c in APPLICANT_COLUMNS)
    # Closing an application for an unpaid fee presupposes a fee notice (W2).
    record["processing_fee.notices"] = record["apps.other.unpaid_fee.total"]
    for prefix, _top, _second in APPEAL_GROUPS:
        parts = [rng.randint(0, scale) for _ in APPEAL_PARTS[:-1]]
        for (part, _label), value in zip(APPEAL_PARTS[:-1], parts, strict=True):
            record[f"{prefix}.{part}"] = value
        record[f"{prefix}.total"] = sum(parts)
    return record


def make_row(record: dict[str, Any], number: int = 5, blank_as_zero: bool = False) -> AgencyRow:
    """Parse a record as the reader parses a sheet row (columns in the blank workbook's order)."""
    raw = {key: value for key, value in record.items() if key in COLUMNS}
    for key in COLUMNS:
        raw.setdefault(key, "")
    extras = {k: v for k, v in record.items() if k not in COLUMNS}
    return parse_row("总表", number, raw, extras, COLUMNS, ReadOptions(blank_as_zero=blank_as_zero))
