"""The rule catalogue knows every code a finding can carry, and each entry is complete."""

from __future__ import annotations

import re
from pathlib import Path

from annual_report.checks.catalog import CATALOG, RULES, rule_title
from annual_report.findings import Severity

PACKAGE = Path(__file__).resolve().parents[2] / "annual_report"
# row.finding(key, "R1", ...), Finding(agency, row, cell, field, "R7", ...): the first rule-like
# string literal after the call's opening parenthesis.
_CALL = re.compile(r"(?:\.finding|\bFinding)\(")
_CODE = re.compile(r'"([A-Z][A-Z0-9_]*)"')


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in _CALL.finditer(text):
            code = _CODE.search(text, call.end(), call.end() + 160)
            if code:
                found.add(code.group(1))
    return found


def test_every_code_in_the_source_is_catalogued() -> None:
    codes = codes_in_source()
    assert {"R1", "R5", "R7", "W4", "EMAIL", "DUPLICATE", "DATE"} <= codes  # the scan works
    assert codes - RULES.keys() == set()


def test_entries_are_unique_and_complete() -> None:
    assert len(RULES) == len(CATALOG)
    for rule in CATALOG:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", rule.code)
        assert re.search(r"[\u4e00-\u9fff]", rule.title) and len(rule.title) <= 12
        assert rule.explanation.endswith("。")
        assert rule.origin in ("国家格式", "本项目")
    assert RULES["R1"].severity is Severity.ERROR and RULES["W2"].severity is Severity.WARNING
    assert {r.code for r in CATALOG if r.cause} == {"R1", "R2", "R3", "R4"}
    assert rule_title("R7") == "正文与表格不一致" and rule_title("NOPE") == ""
