"""Property: for any tree of consistent agencies, the rolled-up aggregates pass R1–R6 and A1–A3
and equal the sums computed independently over the leaves below them (money exact)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.checks.rules import check_figures
from annual_report.rollup.run import RollupOptions, rollup_workbook
from annual_report.workbook.rows import read_workbook
from districts import aggregate, expected_sums, leaf, write_master


@st.composite
def districts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    """Records of a random forest: node 0 a root; each later node under an earlier one (or none).
    Inner nodes are aggregates, blank or already filled with the right sums; leaves consistent."""
    count = draw(st.integers(min_value=2, max_value=9))
    parents: list[int | None] = [None]
    for i in range(1, count):
        parents.append(draw(st.one_of(st.integers(0, i - 1), st.none()) if i > 1 else st.just(0)))
    names = [f"测试区第{i}号机关" for i in range(count)]
    inner = {p for p in parents if p is not None}
    records = []
    for i, name in enumerate(names):
        parent = names[parents[i]] if parents[i] is not None else None  # type: ignore[index]
        if i in inner:
            records.append(aggregate(name, parent, **{"normative.in_force": draw(st.integers(0, 99))}))
        else:
            records.append(leaf(name, parent, draw(st.integers(0, 10**6))))
    sum_in_force = draw(st.booleans())
    if sum_in_force:
        for i in inner:
            records[i]["rules.in_force"] = records[i]["normative.in_force"] = None
    prefilled = draw(st.sets(st.sampled_from(sorted(inner))))
    sums = expected_sums(records, sum_in_force)
    for i in prefilled:  # an office that added some columns by hand, correctly
        records[i].update(sums[names[i]])
    order = draw(st.permutations(range(count)))  # aggregates anywhere in the sheet
    return [records[i] for i in order], sum_in_force


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_rolled_up_aggregates_pass_every_rule_and_equal_the_sums(
        case: tuple[list[dict[str, Any]], bool]) -> None:
    records, sum_in_force = case
    with tempfile.TemporaryDirectory() as folder:
        master = write_master(Path(folder) / "总表.xlsx", records, title_row=False)
        result = rollup_workbook(master, Path(folder) / "汇总.xlsx", RollupOptions(sum_in_force))
        report = result.report
        assert not [f for f in report.findings if f.rule.startswith(("A", "R"))], report.findings
        rows = read_workbook(result.into).by_agency()
    for name, sums in expected_sums(records, sum_in_force).items():
        row = rows[name]
        assert not row.findings
        assert not [f for f in check_figures(row) if f.rule in ("R1", "R2", "R3", "R4", "R6")]
        assert {k: row.figure(k) for k in sums} == sums
