"""Reports written by hand for a QA pass, not by this project: web pages in the style of Chinese
government sites, python-docx documents in unusual layouts and a PDF that LibreOffice made from
one. Each must import to the figures and texts it prints.

The figures come from one generator (``truth`` below, written with those files): ``cases.json``
names each file's agency and seed, what its file prints otherwise (``changed``), what it does not
print (``absent``) and what it prints so that it cannot be read (``skip``, left blank with a reason).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from annual_report.cli.import_cmd import report_rendering
from annual_report.importer.run import import_paths

CORPUS = Path(__file__).parent / "corpus"
CASES: dict[str, dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
RENDERING = report_rendering()

ROWS3 = ["new", "carried_in", "granted", "partial", "denied.state_secret", "denied.prohibited",
         "denied.security", "denied.third_party", "denied.internal", "denied.deliberative",
         "denied.enforcement_file", "denied.query", "unavailable.not_held",
         "unavailable.needs_creation", "unavailable.unclear", "rejected.petition",
         "rejected.duplicate", "rejected.publication", "rejected.excessive",
         "rejected.confirmation", "other.no_correction", "other.unpaid_fee", "other.other",
         "results_total", "carried_over"]
COLS3 = ["natural", "business", "research", "nonprofit", "legal", "other_org", "total"]


def truth(agency: str, seed: int) -> dict[str, Any]:
    t: dict[str, Any] = {"agency": agency, "year": 2024}
    t.update({"rules.issued": 1 + seed, "rules.repealed": 2, "rules.in_force": 3,
              "normative.issued": 4, "normative.repealed": 5, "normative.in_force": 6,
              "licensing.decisions": 700, "penalty.decisions": 800, "enforcement.decisions": 900,
              "fees.amount": "12.3456"})
    for i, row in enumerate(ROWS3):
        values = [i * 10 + j + 1 + seed for j in range(6)]
        for column, value in zip(COLS3, [*values, sum(values)], strict=True):
            t[f"apps.{row}.{column}"] = value
    for g, group in enumerate(["review", "suit_direct", "suit_after_review"]):
        values = [(g + 1) * 10 + k + 1 for k in range(4)]
        for part, value in zip(["upheld", "corrected", "other", "pending", "total"],
                               [*values, sum(values)], strict=True):
            t[f"{group}.{part}"] = value
    t.update({"processing_fee.notices": 3, "processing_fee.notice_amount": "120",
              "processing_fee.collected": "80"})
    t["text.overview"] = ("2024年，本局深入贯彻落实《中华人民共和国政府信息公开条例》，持续加强政府信息公开工作。\n"
                          "（一）主动公开。全年主动公开政府信息1250条，其中政策文件36件。\n"
                          "（二）依申请公开。全年收到政府信息公开申请若干件，均在法定期限内答复。")
    t["text.proactive"] = "本局严格落实主动公开基本目录，具体情况如下表。"
    t["text.problems"] = "一是公开内容的规范性有待提高；二是政策解读形式较为单一。"
    t["text.improvements"] = "改进措施：加强业务培训，丰富解读形式，提升公开质量。"
    t["text.other"] = "本年度本机关未收到人大代表建议和政协委员提案涉及政务公开的内容。"
    t["report_date"] = "2025-01-20"
    return t


def shown(value: Any) -> Any:
    """Values compared as printed: numbers by value, dates by day, text as it stands."""
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    try:
        return Decimal(str(value).strip()).normalize()
    except ArithmeticError:
        return str(value).strip()


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hand_made_report_imports_as_printed(name: str) -> None:
    case = CASES[name]
    expected = truth(case["agency"], case["seed"]) | case["changed"]
    for key in case["absent"]:
        expected.pop(key)
    result = import_paths([CORPUS / case["file"]], case["year"], RENDERING)
    assert len(result.records) == 1, [line.detail for line in result.log]
    record = result.records[0]
    wrong = {key: (record.get(key), value) for key, value in expected.items()
             if key not in case["skip"] and shown(record.get(key)) != shown(value)}
    assert not wrong, (wrong, [(line.item, line.detail) for line in result.log])
    status = next(line for line in result.log if line.item == "结果")
    complete = not case["skip"] and "report_date" not in case["absent"]
    assert (status.status == "已导入") == complete, status.detail
