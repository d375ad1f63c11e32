"""One typo in a table is named first, at its own cell; what follows from it says so."""

from __future__ import annotations

from test_narrative import make_row

from annual_report.checks.run import check_row
from annual_report.findings import Finding
from annual_report.workbook.rows import AgencyRow

# 6 new applications (natural persons), all granted, nothing carried.
SIX = {
    "apps__new__natural": 6, "apps__carried_in__natural": 0, "apps__granted__natural": 6,
    "apps__partial__natural": 0, "apps__results_total__natural": 6,
    "apps__carried_over__natural": 0,
}
TEXT = "本年度共收到政府信息公开申请6件，办结6件。"


def typo(key: str, value: int, text: str = TEXT, **figures: int) -> tuple[AgencyRow, list[Finding]]:
    row = make_row({"text.applications": text}, **{**SIX, **figures})
    row.values[key] = value
    return row, [f for f in check_row(row) if f.is_error]


def test_new_total_typed_seven_instead_of_six() -> None:
    row, errors = typo("apps.new.total", 7)
    assert [f.rule for f in errors] == ["R1", "R7", "R2"]
    r1, r7, r2 = errors
    real = row.cell("apps.new.total")
    assert r1.cell == real and r1.field == "apps.new.total"
    assert f"最可能填错的是 {real}（表三「一、本年新收·总计」）这一格" in r1.message
    assert "这一行和「总计」列都要求它为 6。请先改正这一格。" in r1.message
    # R2 is reported where the column's rule sits, but points at the real cell.
    assert r2.cell == row.cell("apps.carried_over.total")
    assert f"这是 {real}（表三「一、本年新收·总计」）填错引起的（见 R1）" in r2.message
    assert "请核对这一列" not in r2.message
    # R7 does not invite a change of the (correct) text.
    assert r7.cell == row.cell("text.applications")
    assert "正文为 6，表三“本年新收”总计为 7" in r7.message
    assert f"（{real}）" in r7.message and "先改正表三的这一格（应为 6）" in r7.message
    assert r7.message.endswith("改正后就与正文一致，正文不用改。")
    assert "请核对正文或表三" not in r7.message


def test_a_typo_in_an_applicant_column_moves_r1_to_that_cell() -> None:
    row, errors = typo("apps.new.natural", 7)
    assert [f.rule for f in errors] == ["R1", "R2"]
    r1, r2 = errors
    assert r1.cell == row.cell("apps.new.natural")
    assert "（表三「一、本年新收·自然人」）这一格：这一行和「自然人」列都要求它为 6" in r1.message
    assert row.cell("apps.new.natural") in r2.message


def test_a_typo_in_a_result_row_is_pinned_by_r1_and_r3() -> None:
    row, errors = typo("apps.granted.natural", 5)
    assert [f.rule for f in errors] == ["R1", "R3"]
    assert errors[0].cell == row.cell("apps.granted.natural")
    assert "都要求它为 6" in errors[0].message
    assert "填错引起的（见 R1）" in errors[1].message


def test_text_that_disagrees_with_the_corrected_table_still_says_to_check_it() -> None:
    _row, errors = typo("apps.new.total", 7, "本年度共收到政府信息公开申请5件。")
    (r7,) = [f for f in errors if f.rule == "R7"]
    assert "先改正表三的这一格，再核对正文。" in r7.message


def test_a_figure_in_a_failing_row_without_a_pinned_cell() -> None:
    # Row and column both off, in two columns: no single cell to blame.
    _row, errors = typo("apps.new.total", 8, apps__new__business=1)
    rules = [f.rule for f in errors]
    assert rules[0] == "R1"
    (r7,) = [f for f in errors if f.rule == "R7"]
    assert "本身对不上" in r7.message and "请先改正表三，再核对正文。" in r7.message


def test_table_four_group_that_does_not_add_up() -> None:
    row = make_row({"text.appeals": "本年度发生行政复议1件。"}, review__upheld=1)
    row.values["review.total"] = 2
    errors = [f for f in check_row(row) if f.is_error]
    assert [f.rule for f in errors] == ["R4", "R7"]
    assert "表四「行政复议」这一组不合计（见 R4" in errors[1].message


def test_a_consistent_table_keeps_the_plain_advice() -> None:
    row = make_row({"text.applications": "本年度共收到政府信息公开申请9件。"}, **SIX)
    (r7,) = [f for f in check_row(row) if f.rule == "R7"]
    assert r7.message.endswith("请核对正文或表三，使两者一致。")
