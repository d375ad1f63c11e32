"""A form returned with a text where a figure belongs (「5件」): the text arrives as typed, for
check to name; the totals computed over it (Excel skips a text in SUM, so the form shows a total
short by 5) are not merged, and collect says so."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from annual_report.cli.app import app
from annual_report.forms.layout import form_layout
from annual_report.workbook.rows import read_workbook
from form_helpers import bare_master, fill, filled_records, form_of, issue, names


def test_a_text_in_a_figure_keeps_its_totals_out(tmp_path: Path) -> None:
    master = bare_master(tmp_path / "总表.xlsx", 2)
    before = read_workbook(master).by_agency()
    issued = issue(master, tmp_path / "表单")
    records = filled_records(2)
    first, second = names(2)
    slot = form_layout().slots["apps.new.natural"]
    back = tmp_path / "收到的表"
    fill(form_of(issued, first), back / "一.xlsx", records[first],
         overrides={f"{slot.sheet}!{slot.ref}": "5件"})
    fill(form_of(issued, second), back / "二.xlsx", records[second])
    done = CliRunner().invoke(app, ["collect", str(back), "--into", str(master)])
    assert done.exit_code == 1, done.output  # merged, with the error check names
    assert "「5件」不是数字" in done.output
    rows = read_workbook(master).by_agency()
    row = rows[first]
    assert row.raw.get("apps.new.natural", row.values.get("apps.new.natural")) == "5件"
    for total in ("apps.new.total",):  # computed over the text: the master keeps its value
        assert row.values.get(total) == before[first].values.get(total)
    assert row.values.get("apps.new.business") == records[first]["apps.new.business"]
    assert rows[second].values.get("apps.new.total") == records[second]["apps.new.total"]
    assert "算不出来" in done.output and f"{slot.sheet}!{slot.ref}" in done.output, done.output
