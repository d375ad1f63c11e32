"""Synthetic, arithmetically consistent agency records, for benchmarks and tests."""

from __future__ import annotations

import random
from typing import Any

from .model import (
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    FIGURE_FIELDS,
    RESULT_ROWS,
)


def zero_record(agency: str = "测试区测试局", year: int = 2024) -> dict[str, Any]:
    """A valid record: every figure 0, short texts."""
    record: dict[str, Any] = {f.key: 0 for f in FIGURE_FIELDS}
    record.update({
        "agency": agency,
        "year": year,
        "email": "office@example.cn",
        "report_date": f"{year + 1}-01-20",
        "text.overview": "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。",
        "text.proactive": "全年主动公开政府信息120条。",
        "text.problems": "一是公开内容还不够全面。",
        "text.improvements": "一是进一步加强公开工作。",
    })
    return record


def fill_consistent(record: dict[str, Any], rng: random.Random, scale: int = 6) -> dict[str, Any]:
    """Fill tables 三 and 四 with random figures that satisfy R1–R4 (and W2)."""
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


def district_records(count: int, seed: int = 0, year: int = 2024) -> list[dict[str, Any]]:
    """``count`` consistent agencies with narratives that state figures the tables hold."""
    rng = random.Random(seed)
    records = []
    for n in range(count):
        record = fill_consistent(zero_record(f"示例区第{n + 1:04d}号机关", year), rng)
        new, done = record["apps.new.total"], record["apps.results_total.total"]
        record["normative.issued"] = rng.randint(0, 3)
        record["normative.in_force"] = record["normative.issued"] + rng.randint(0, 20)
        record["text.overview"] = (
            f"{year}年，本机关坚持以公开为常态、不公开为例外，扎实推进政务公开工作。\n"
            "围绕重点领域信息公开，进一步完善制度、规范流程、强化监督。"
        )
        record["text.proactive"] = (
            f"全年主动公开政府信息{rng.randint(50, 3000)}条，制发行政规范性文件"
            f"{record['normative.issued']}件。\n"
            f"全年共收到政府信息公开申请{new}件，办结{done}件。"
        )
        record["report_date"] = f"{year + 1}-01-{rng.randint(10, 28)}"
        records.append(record)
    return records
