"""Every conflict collect must show: two returns at once, an older return, the same return twice,
forms of another year or format, files that are not forms, unknown agencies, formulas without a
value, a changed layout; and nothing is lost: backups, old → new, typed values."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from annual_report.forms.collect import CollectResult, collect_forms
from annual_report.forms.decide import Verdict
from annual_report.forms.identity import ID_SHEET
from annual_report.forms.ledger import LEDGER_SHEET
from annual_report.workbook.rows import read_workbook
from form_helpers import bare_master, fill, filled_records, form_of, issue, mail_with, names

A, B = names(2)


@pytest.fixture()
def cycle(tmp_path: Path) -> tuple[Path, Path, dict[str, Path], dict[str, dict[str, object]]]:
    master = bare_master(tmp_path / "总表.xlsx", 2)
    issued = issue(master, tmp_path / "表单")
    return master, tmp_path, {a: form_of(issued, a) for a in (A, B)}, filled_records(2)


def verdicts(result: CollectResult) -> dict[str, Verdict]:
    return {Path(o.ret.source.split(" › ")[0]).name: o.verdict for o in result.outcomes}


def ledger_states(master: Path) -> list[tuple[str, str]]:
    ws = openpyxl.load_workbook(master)[LEDGER_SHEET]
    return [(r[0], r[1]) for r in ws.iter_rows(min_row=2, values_only=True)]


def set_mtime(path: Path, day: int) -> None:
    moment = dt.datetime(2025, 1, day, 9, 0).timestamp()
    os.utime(path, (moment, moment))


def test_two_different_returns_in_one_run_neither_applied(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    first = fill(forms[A], tmp / "in" / "甲1.xlsx", records[A])
    second = fill(forms[A], tmp / "in" / "甲2.xlsx", records[A],
                  overrides={"表三!D7": records[A]["apps.new.natural"] + 1})
    result = collect_forms([first, second], master)
    assert verdicts(result) == {"甲1.xlsx": Verdict.CONFLICT, "甲2.xlsx": Verdict.CONFLICT}
    assert all("甲2.xlsx" in o.message or "甲1.xlsx" in o.message for o in result.outcomes)
    natural = records[A]["apps.new.natural"]
    assert f"表三!D7（{natural} / {natural + 1}）" in result.outcomes[0].message
    assert result.exit_code == 1
    assert "apps.new.natural" not in read_workbook(master).by_agency()[A].values
    assert ledger_states(master) == [(A, "冲突未合并"), (A, "冲突未合并")]
    # the office decides: the first is right
    chosen = collect_forms([first], master)
    assert verdicts(chosen) == {"甲1.xlsx": Verdict.MERGED}
    later = collect_forms([first, second], master)
    assert verdicts(later) == {"甲1.xlsx": Verdict.SEEN, "甲2.xlsx": Verdict.DECIDED}
    values = read_workbook(master).by_agency()[A].values
    assert values["apps.new.natural"] == records[A]["apps.new.natural"]


def test_an_older_return_never_overwrites_a_newer(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    old = fill(forms[A], tmp / "in" / "旧.xlsx", records[A])
    new = fill(forms[A], tmp / "in" / "新.xlsx", records[A], overrides={"表二!B6": 5})
    set_mtime(old, 10)
    set_mtime(new, 12)
    assert verdicts(collect_forms([new], master)) == {"新.xlsx": Verdict.MERGED}
    result = collect_forms([old], master)
    assert verdicts(result) == {"旧.xlsx": Verdict.OLDER}
    assert "不覆盖" in result.outcomes[0].message
    assert read_workbook(master).by_agency()[A].values["rules.issued"] == 5
    # a form issued later (re-issued for a correction) wins over a later-received old one
    reissued = issue(master, tmp / "表单", only=[A])
    fixed = fill(form_of(reissued, A), tmp / "in" / "更正.xlsx", records[A],
                 overrides={"表二!B6": 6})
    set_mtime(fixed, 11)
    set_mtime(old, 20)
    assert verdicts(collect_forms([fixed], master)) == {"更正.xlsx": Verdict.MERGED}
    assert verdicts(collect_forms([old], master)) == {"旧.xlsx": Verdict.SEEN}
    assert read_workbook(master).by_agency()[A].values["rules.issued"] == 6


def test_the_same_return_twice_counts_once(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    saved = fill(forms[B], tmp / "in" / "乙.xlsx", records[B])
    mail_with(saved, tmp / "in" / "邮件.eml")
    result = collect_forms([tmp / "in"], master)
    assert sorted(v.value for v in verdicts(result).values()) == ["duplicate", "merged"]
    assert ledger_states(master) == [(B, "已合并")]


def test_what_is_not_merged_is_listed(cycle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    inbox = tmp / "in"
    # last year's form of the same agency
    old_master = bare_master(tmp / "上年总表.xlsx", 1, year=2023)
    old = issue(old_master, tmp / "上年表单")
    fill(form_of(old, A), inbox / "去年的.xlsx", records[A])
    # a form of another format (a tampered identity is refused; so is a foreign format)
    other = openpyxl.load_workbook(forms[B])
    other[ID_SHEET]["B4"].value = "some-other-format"
    other.save(inbox / "改过标识.xlsx")
    # an agency the master does not have
    stranger = bare_master(tmp / "别的区.xlsx", 3)
    fill(form_of(issue(stranger, tmp / "别的表单"), names(3)[2]), inbox / "别人的.xlsx",
         records[A])
    # a workbook that is not a form, and a text file
    bare_master(inbox / "总表副本.xlsx", 1)
    (inbox / "readme.txt").write_text("x", encoding="utf-8")
    # a formula without a cached value in an input cell; a table whose rows were moved
    fill(forms[A], inbox / "公式.xlsx", records[A], overrides={"表三!E7": "=1+2"})
    moved = openpyxl.load_workbook(fill(forms[B], tmp / "moved.xlsx", records[B]))
    moved["表三"].insert_rows(9)
    moved.save(inbox / "插了行.xlsx")
    result = collect_forms([inbox], master)
    got = verdicts(result)
    assert got["去年的.xlsx"] == Verdict.OTHER_YEAR
    assert got["改过标识.xlsx"] == Verdict.NOT_FORM
    assert got["别人的.xlsx"] == Verdict.UNKNOWN_AGENCY
    assert got["总表副本.xlsx"] == Verdict.NOT_FORM and got["readme.txt"] == Verdict.NOT_FORM
    assert got["公式.xlsx"] == Verdict.ERROR and got["插了行.xlsx"] == Verdict.ERROR
    messages = {Path(o.ret.source).name: o.message for o in result.outcomes}
    assert "表三!E7" in messages["公式.xlsx"] and "没有保存计算结果" in messages["公式.xlsx"]
    assert "表三!" in messages["插了行.xlsx"] and "移动" in messages["插了行.xlsx"]
    assert "校验码" in next(o.ret.note for o in result.outcomes if "改过标识" in o.ret.source)
    assert result.exit_code == 1
    assert all(s == "有错误未合并" for _a, s in ledger_states(master))


def test_nothing_is_lost(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    record = dict(records[A])
    first = fill(forms[A], tmp / "in" / "1.xlsx", record)
    typed = openpyxl.load_workbook(first)  # a text that starts with "=", typed as a text
    typed["正文"]["A5"].value = record["text.overview"] = '=HYPERLINK("http://x")另起一行'
    typed["正文"]["A5"].data_type = "s"
    typed.save(first)
    set_mtime(first, 10)
    collect_forms([first], master)
    cell = openpyxl.load_workbook(master)["总表"]
    overview = next(c for c in cell[5] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert overview.data_type == "s"
    backups = sorted(tmp.glob("总表.收表前备份-*.xlsx"))
    assert len(backups) == 1 and read_workbook(backups[0]).rows[0].values.get("apps.new.total") is None
    second = fill(first, tmp / "in" / "2.xlsx", {}, overrides={"表二!B6": 9})
    set_mtime(second, 11)
    out = tmp / "合并后.xlsx"
    before = master.read_bytes()
    result = collect_forms([second], master, save_as=out)
    assert master.read_bytes() == before and result.backup is None and result.written == out
    change = next(c for c in result.outcomes[0].changes if c.key == "rules.issued")
    assert (change.old, change.new) == (record["rules.issued"], 9)
    assert read_workbook(out).by_agency()[A].values["rules.issued"] == 9


def test_a_return_unchanged_since_issue_is_recorded_not_merged(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, _records = cycle
    result = collect_forms([forms[B]], master)
    assert [o.verdict for o in result.outcomes] == [Verdict.UNCHANGED]
    assert ledger_states(master) == [(B, "交回未改动")]


def test_an_unfilled_copy_does_not_block_the_filled_one(cycle) -> None:  # type: ignore[no-untyped-def]
    master, tmp, forms, records = cycle
    filled = fill(forms[A], tmp / "in" / "填好的.xlsx", records[A])
    result = collect_forms([forms[A], filled], master)
    got = {Path(o.ret.source).name: o.verdict for o in result.outcomes}
    assert got == {forms[A].name: Verdict.UNCHANGED, "填好的.xlsx": Verdict.MERGED}


def test_forms_in_a_zip_and_an_outlook_file_are_handled(cycle) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    master, tmp, forms, records = cycle
    inbox = tmp / "in"
    inbox.mkdir()
    filled = fill(forms[B], tmp / "乙.xlsx", records[B])
    with zipfile.ZipFile(inbox / "打包.zip", "w") as archive:
        archive.write(filled, "乙单位/年报填报表.xlsx")
        archive.writestr("说明.txt", "见附件")
    (inbox / "邮件.msg").write_bytes(b"\xd0\xcf\x11\xe0")
    result = collect_forms([inbox], master)
    merged = [o.ret.source for o in result.outcomes if o.verdict == Verdict.MERGED]
    assert merged == [f"{inbox / '打包.zip'} › 乙单位/年报填报表.xlsx"]
    msg = next(o for o in result.outcomes if o.ret.source.endswith(".msg"))
    assert msg.verdict == Verdict.NOT_FORM and "Outlook" in msg.message
    assert read_workbook(master).by_agency()[B].values["apps.new.total"] == records[B]["apps.new.total"]


def test_collect_prints_every_overwritten_figure_and_the_check(cycle) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from annual_report.cli.app import app

    master, tmp, forms, records = cycle
    first = fill(forms[A], tmp / "in1" / "1.xlsx", records[A])
    set_mtime(first, 10)
    CliRunner().invoke(app, ["collect", str(first), "--into", str(master)])
    total = records[A]["review.total"]  # typed over the form's formula: no longer adds up
    wrong = fill(first, tmp / "in2" / "2.xlsx", {}, overrides={"表四!A7": 40, "表四!E7": total})
    set_mtime(wrong, 11)
    done = CliRunner().invoke(app, ["collect", str(wrong), "--into", str(master)],
                              env={"COLUMNS": "250"})
    assert done.exit_code == 1, done.output  # merged, but the row now has an error
    cell = read_workbook(master).by_agency()[A].cell("review.upheld")
    assert f"{cell} 行政复议 结果维持：{records[A]['review.upheld']} → 40" in done.output
    assert "R4" in done.output and "请把表退回该单位更正" in done.output


def test_a_form_issued_again_at_once_is_still_the_newer(tmp_path: Path) -> None:
    """Issue times are kept to the second: a form issued again within the same second as the
    one it replaces is stamped a second later, so it always counts as the newer."""
    from annual_report.forms.identity import agree, from_openpyxl

    master = bare_master(tmp_path / "总表.xlsx", 2)
    agency = names(2)[0]
    times = []
    for _ in range(3):  # well within a second of each other
        result = issue(master, tmp_path / "表单", only=[agency])
        identity = agree(from_openpyxl(openpyxl.load_workbook(form_of(result, agency))))
        assert identity is not None
        times.append(dt.datetime.fromisoformat(identity.issued_at))
    assert times[0] < times[1] < times[2]


def test_a_return_of_a_voided_issue_arriving_with_the_new_one_is_older(cycle) -> None:  # type: ignore[no-untyped-def]
    """The form was issued again for a correction (the e-mail says the earlier one is void):
    a copy of the earlier form that comes back in the same run as the new one does not block it."""
    master, tmp, forms, records = cycle
    old = fill(forms[A], tmp / "in" / "旧表.xlsx", records[A], overrides={"表二!B6": 5})
    reissued = issue(master, tmp / "表单", only=[A])
    new = fill(form_of(reissued, A), tmp / "in" / "新表.xlsx", records[A], overrides={"表二!B6": 6})
    set_mtime(new, 10)
    set_mtime(old, 12)  # received later, issued earlier
    result = collect_forms([old, new], master)
    assert verdicts(result) == {"旧表.xlsx": Verdict.OLDER, "新表.xlsx": Verdict.MERGED}
    assert "重新下发" in next(o.message for o in result.outcomes if o.verdict is Verdict.OLDER)
    assert read_workbook(master).by_agency()[A].values["rules.issued"] == 6
