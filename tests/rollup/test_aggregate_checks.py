"""`check` on districts: A1 (an aggregate's figure ≠ its children's sum), A2 (cannot be fully
checked), A3 (a 汇总到 that cannot be used), on masters written with openpyxl and read for real."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from annual_report.checks.run import CheckReport, check_workbook
from annual_report.findings import Finding
from annual_report.format.model import FIGURE_FIELDS
from annual_report.workbook.rows import ReadOptions
from districts import (
    DISTRICT,
    OFFICE,
    aggregate,
    cell_of,
    expected_sums,
    filled,
    leaf,
    three_levels,
    two_levels,
    write_master,
)
from generate import app

TOWN = "测试区甲镇人民政府"


def check(tmp_path: Path, records: list[dict[str, Any]], **options: Any) -> CheckReport:
    return check_workbook(write_master(tmp_path / "总表.xlsx", records), **options)


def rules(report: CheckReport, prefix: str = "A") -> list[Finding]:
    return [f for f in report.findings if f.rule.startswith(prefix)]


def test_filled_districts_of_two_and_three_levels_pass(tmp_path: Path) -> None:
    for n, records in enumerate((two_levels(), three_levels())):
        folder = tmp_path / str(n)
        folder.mkdir()
        report = check(folder, filled(records))
        assert rules(report) == [], rules(report)
        assert report.ok, report.errors


def test_a_planted_difference_is_an_error_at_the_aggregates_cell(tmp_path: Path) -> None:
    records = filled(three_levels())
    district = next(r for r in records if r["agency"] == DISTRICT)
    right = district["apps.new.natural"]
    district["apps.new.natural"] = right + 2
    district["fees.amount"] -= Decimal("0.0001")
    report = check(tmp_path, records)
    a1 = {f.cell: f for f in rules(report, "A1")}
    new_cell = cell_of(records, DISTRICT, "apps.new.natural")
    fee_cell = cell_of(records, DISTRICT, "fees.amount")
    assert set(a1) == {new_cell, fee_cell}
    message = a1[new_cell].message
    assert a1[new_cell].is_error and a1[new_cell].field == "apps.new.natural"
    assert f"填的是 {right + 2}" in message and f"之和为 {right}" in message
    assert "多 2" in message and "一、本年新收政府信息公开申请数量" in message and "自然人" in message
    for child in (OFFICE, "测试区教育局", TOWN, "测试区乙街道办事处", "测试区卫生健康局"):
        assert child in message  # the children that make up the sum, with their figures
    assert "少 0.0001" in a1[fee_cell].message
    # the other rules see the planted cell as well; no other aggregate is affected
    assert {f.agency for f in rules(report)} == {DISTRICT}


def test_a_difference_in_a_middle_level_warns_the_level_above(tmp_path: Path) -> None:
    records = filled(three_levels())
    town = next(r for r in records if r["agency"] == TOWN)
    town["review.upheld"] += 1
    town["review.total"] += 1
    report = check(tmp_path, records)
    errors = rules(report, "A1")
    assert {f.cell for f in errors} == {cell_of(records, TOWN, "review.upheld"),
                                        cell_of(records, TOWN, "review.total")}
    top = [f for f in rules(report, "A2") if f.agency == DISTRICT]
    assert top and not top[0].is_error and TOWN in top[0].message and "2 个错误" in top[0].message
    # the district's own figures still equal the true sums: reported as warnings, not errors
    assert not [f for f in report.errors if f.agency == DISTRICT]


def test_a_child_with_an_error_turns_the_check_into_a_warning(tmp_path: Path) -> None:
    records = filled(two_levels())
    bad = next(r for r in records if r["agency"] == "测试区第2局")
    bad["apps.granted.natural"] += 5  # R1 and R3 errors in the child
    district = next(r for r in records if r["agency"] == DISTRICT)
    district["apps.carried_over.total"] += 1  # and a difference in the aggregate
    report = check(tmp_path, records)
    assert not [f for f in rules(report) if f.is_error and f.agency == DISTRICT]
    warnings = [f for f in rules(report, "A2") if f.agency == DISTRICT]
    summary = warnings[0]
    assert "测试区第2局" in summary.message and "错误" in summary.message
    assert "测试区第1局" not in summary.message  # only the child with problems is named
    cells = {f.cell for f in warnings}
    assert cell_of(records, DISTRICT, "apps.carried_over.total") in cells


def test_a_child_without_figures_is_named(tmp_path: Path) -> None:
    records = filled(two_levels())
    blank = next(r for r in records if r["agency"] == "测试区第3局")
    blank["apps.new.total"] = None
    report = check(tmp_path, records)
    summary = next(f for f in rules(report, "A2") if f.agency == DISTRICT)
    assert "测试区第3局" in summary.message and "1 项数字为空或无效" in summary.message
    assert not rules(report, "A1")


def test_a_blank_aggregate_gets_one_error_pointing_to_rollup(tmp_path: Path) -> None:
    records = two_levels()
    for blank_as_zero in (False, True):  # an aggregate's blank is never 0
        report = check(tmp_path, records, options=ReadOptions(blank_as_zero=blank_as_zero))
        own = [f for f in report.findings if f.agency == DISTRICT and f.rule in ("R5", "A1", "A2")]
        assert len(own) == 1, own
        (error,) = own
        assert error.is_error and error.rule == "R5" and "rollup" in error.message
        assert f"有 {len(FIGURE_FIELDS) - 2} 项数字为空" in error.message and OFFICE in error.message
        assert error.cell == cell_of(records, DISTRICT, "rules.issued")  # the first blank cell


def test_a_blank_in_force_of_an_aggregate_is_asked_for(tmp_path: Path) -> None:
    records = filled(two_levels())
    records[0]["normative.in_force"] = None
    report = check(tmp_path, records)
    (error,) = [f for f in report.errors if f.agency == DISTRICT]
    assert error.rule == "R5" and error.cell == cell_of(records, DISTRICT, "normative.in_force")
    assert "本级自己的" in error.message and "--sum-in-force" in error.message


def test_a_partly_blank_aggregate_is_checked_where_filled(tmp_path: Path) -> None:
    records = filled(two_levels())
    sums = expected_sums(records)[DISTRICT]
    records[0]["apps.new.natural"] = None
    records[0]["review.total"] = sums["review.total"] + 1
    report = check(tmp_path, records)
    own = {(f.rule, f.cell) for f in report.findings if f.agency == DISTRICT}
    assert ("A1", cell_of(records, DISTRICT, "review.total")) in own
    assert ("R5", cell_of(records, DISTRICT, "apps.new.natural")) in own


def test_unknown_parent_self_reference_and_cycles_are_errors(tmp_path: Path) -> None:
    records = [
        *filled(two_levels()),
        leaf("测试区甲局", "测试区乙局", 50), leaf("测试区乙局", "测试区丙局", 51),
        leaf("测试区丙局", "测试区甲局", 52),  # a cycle of three
        leaf("测试区丁局", "测试区丁局", 53),  # itself
        leaf("测试区戊局", "测试区人民政府 ", 54),  # a trailing space is trimmed: this one is fine
        leaf("测试区己局", "测试区人民正府", 55),  # a typo
    ]
    report = check(tmp_path, records)
    a3 = {f.agency: f for f in rules(report, "A3")}
    assert set(a3) == {"测试区甲局", "测试区乙局", "测试区丙局", "测试区丁局", "测试区己局"}
    for name in ("测试区甲局", "测试区乙局", "测试区丙局"):
        assert a3[name].is_error and "循环" in a3[name].message
        assert a3[name].cell == cell_of(records, name, "parent")
        assert all(n in a3[name].message for n in ("测试区甲局", "测试区乙局", "测试区丙局"))
    assert "自己" in a3["测试区丁局"].message
    assert "找不到" in a3["测试区己局"].message and f"「{DISTRICT}」" in a3["测试区己局"].message
    # 戊局 now counts in the district, whose filled figures lack it
    assert rules(report, "A1") and all(f.agency == DISTRICT for f in rules(report, "A1"))


def test_in_force_is_summed_only_when_asked(tmp_path: Path) -> None:
    records = filled(two_levels())  # the district's 现行有效 are its own, not the sum
    sums = expected_sums(records, sum_in_force=True)[DISTRICT]
    assert sums["normative.in_force"] != 41
    path = write_master(tmp_path / "总表.xlsx", records)
    assert not rules(check_workbook(path))
    summed = rules(check_workbook(path, sum_in_force=True), "A1")
    assert {f.field for f in summed} == {"rules.in_force", "normative.in_force"}
    done = CliRunner().invoke(app, ["check", str(path), "--sum-in-force"])
    assert done.exit_code == 1 and "A1" in done.output and "现行有效件数" in done.output
    assert CliRunner().invoke(app, ["check", str(path)]).exit_code == 0


def test_an_aggregate_without_parent_column_is_ordinary(tmp_path: Path) -> None:
    records = [{k: v for k, v in r.items() if k != "parent"} for r in filled(two_levels())]
    report = check(tmp_path, [*records, aggregate("测试区某中心")])
    assert not rules(report, "A1") and not rules(report, "A3")


def test_a_child_whose_text_is_at_odds_with_its_figures_still_counts(tmp_path: Path) -> None:
    """R7 (the text states other figures) is an error of the text: the child's figures are
    usable, so its aggregate is checked in full (and rollup sums them)."""
    records = filled(two_levels())
    child = next(r for r in records if r["agency"] == "测试区第2局")
    child["text.applications"] = f"本年共收到政府信息公开申请{child['apps.new.total'] + 7}件。"
    district = next(r for r in records if r["agency"] == DISTRICT)
    district["apps.carried_over.total"] += 1
    report = check(tmp_path, records)
    assert [f for f in report.errors if f.agency == "测试区第2局" and f.rule == "R7"]
    assert not rules(report, "A2")
    a1 = [f for f in rules(report, "A1") if f.agency == DISTRICT]
    assert [f.cell for f in a1] == [cell_of(records, DISTRICT, "apps.carried_over.total")]
    assert a1[0].is_error
