"""`generate.py init` and `generate.py check`: exit codes, terminal summary, JSON, annotated copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from annual_report.checks.run import check_workbook
from annual_report.workbook.blank import write_workbook
from conftest import ROOT
from factories import zero_record
from generate import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture()
def bad_workbook(tmp_path: Path) -> Path:
    good = zero_record("好的局")
    bad = zero_record("有错的局")
    bad["apps.new.natural"] = "/"
    bad["review.upheld"] = 2  # parts 2, total 0 (R4)
    return write_workbook(tmp_path / "总表.xlsx", [good, bad])


def test_script_help_runs_as_a_program() -> None:
    done = subprocess.run([sys.executable, "generate.py", "--help"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    for command in ("init", "check", "build", "check-template", "send"):
        assert command in done.stdout
    assert "年度报告" in done.stdout


def test_init_writes_blank_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "空白.xlsx"
    code, output = invoke("init", str(path))
    assert code == 0 and "已生成空白总表" in output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["总表", "填表说明"]
    code, output = invoke("init", str(path))
    assert code == 2 and "已存在" in output
    code, _ = invoke("init", str(path), "--force")
    assert code == 0


def test_init_fill_check_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "总表.xlsx"
    assert invoke("init", str(path))[0] == 0
    book = openpyxl.load_workbook(path)
    ws = book["总表"]
    keys = [c.value for c in ws[4]]
    record = zero_record("填好的局")
    for column, key in enumerate(keys, start=1):
        if key in record:
            ws.cell(row=5, column=column, value=record[key])
    book.save(path)
    code, output = invoke("check", str(path))
    assert code == 0, output
    assert "共 1 个机关：1 个无错误" in output


def test_check_errors_exit_1_and_name_cells(bad_workbook: Path) -> None:
    code, output = invoke("check", str(bad_workbook))
    assert code == 1
    report = check_workbook(bad_workbook)
    for finding in report.errors:
        assert finding.cell in output
    assert "有错的局" in output and "好的局" not in output.split("共")[0]
    assert "请填 0" in output


def test_check_unusable_input_exit_2_without_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    code, output = invoke("check", str(junk))
    assert code == 2
    assert "无法读取" in output and "Traceback" not in output
    code, output = invoke("check", str(tmp_path / "none.xlsx"))
    assert code == 2 and "找不到文件" in output


def test_json_equals_library_report(bad_workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    code, _ = invoke("check", str(bad_workbook), "--json", str(target))
    assert code == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data == [f.to_dict() for f in check_workbook(bad_workbook).findings]
    assert set(data[0]) == {"agency", "row", "cell", "field", "rule", "severity", "message"}
    assert {d["severity"] for d in data} <= {"error", "warning"}


def test_annotated_copy(bad_workbook: Path, tmp_path: Path) -> None:
    target = tmp_path / "批注.xlsx"
    code, output = invoke("check", str(bad_workbook), "--annotate", str(target))
    assert code == 1 and "批注副本" in output
    report = check_workbook(bad_workbook)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "校验结果"
    for finding in report.findings:
        sheet, ref = finding.cell.split("!")
        cell = book[sheet][ref]
        assert cell.comment is not None and finding.message in cell.comment.text
        expected = "FFC7CE" if finding.is_error else "FFEB9C"
        assert cell.fill.fgColor.rgb.endswith(expected)
    results = book["校验结果"]
    rows = list(results.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == [f.cell for f in report.findings]
    link = results.cell(row=2, column=3).hyperlink
    assert link is not None and link.location == "'{}'!{}".format(*report.findings[0].cell.split("!"))
    # the original is untouched
    original = openpyxl.load_workbook(bad_workbook)
    assert "校验结果" not in original.sheetnames
    code, output = invoke("check", str(bad_workbook), "--annotate", str(bad_workbook))
    assert code == 2 and "不能覆盖原总表" in output


def test_previous_year_option(tmp_path: Path) -> None:
    last = zero_record(year=2023)
    last["normative.in_force"] = 5
    now = zero_record()
    now["normative.in_force"] = 7
    last_path = write_workbook(tmp_path / "2023.xlsx", [last])
    now_path = write_workbook(tmp_path / "2024.xlsx", [now])
    code, output = invoke("check", str(now_path), "--previous", str(last_path))
    assert code == 0  # warnings only
    assert "W1" in output and "应为 5" in output


def test_a_bug_gets_a_chinese_message_and_a_log_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import annual_report.checks.run
    import generate

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(annual_report.checks.run, "check_workbook", broken)
    monkeypatch.setattr(sys, "argv", ["generate.py", "check", str(tmp_path / "x.xlsx")])
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert generate.main() == generate.EXIT_INTERNAL
    captured = capsys.readouterr()
    assert "程序内部错误" in captured.err and "Traceback" not in captured.err
    [log] = tmp_path.glob("年度报告-错误-*.txt")
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def test_json_to_stdout_for_other_programs(bad_workbook: Path) -> None:
    done = subprocess.run([sys.executable, "generate.py", "check", str(bad_workbook), "--json", "-"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout) == [f.to_dict() for f in check_workbook(bad_workbook).findings]
    assert "有错的局" in done.stderr  # the human summary goes to stderr


def test_year_and_date_warnings(tmp_path: Path) -> None:
    other_year = zero_record("去年的局", year=2023)
    other_year["report_date"] = "2024-01-20"
    old_date = zero_record("日期早的局")
    old_date["report_date"] = "2023-01-01"
    no_date = zero_record("没日期的局")
    no_date["report_date"] = None
    path = write_workbook(tmp_path / "y.xlsx", [zero_record("甲局"), zero_record("乙局"), other_year,
                                                old_date, no_date])
    found = {(f.agency, f.rule) for f in check_workbook(path).findings}
    assert found == {("去年的局", "YEAR"), ("日期早的局", "DATE"), ("没日期的局", "DATE")}
    assert all(not f.is_error for f in check_workbook(path).findings)


def test_previous_of_the_wrong_year_or_other_agencies_is_noted(tmp_path: Path) -> None:
    now = write_workbook(tmp_path / "2024.xlsx", [zero_record("甲局"), zero_record("乙局")])
    same_year = write_workbook(tmp_path / "same.xlsx", [zero_record("甲局")])
    strangers = write_workbook(tmp_path / "other.xlsx", [zero_record("丙局", year=2023)])
    code, output = invoke("check", str(now), "--previous", str(same_year))
    assert "2024 年度的，本总表是 2024 年度" in output
    assert "找不到 1 个机关（乙局）" in output
    code, output = invoke("check", str(now), "--previous", str(strangers))
    assert "一个机关也对不上" in output and code == 0


def test_empty_workbook_is_unusable(tmp_path: Path) -> None:
    path = tmp_path / "空白.xlsx"
    invoke("init", str(path))
    code, output = invoke("check", str(path))
    assert code == 2 and "没有机关的数据" in output and "第 5 行" in output


def test_annotate_needs_an_xlsx_name(bad_workbook: Path, tmp_path: Path) -> None:
    code, output = invoke("check", str(bad_workbook), "--annotate", str(tmp_path / "out.csv"))
    assert code == 2 and ".xlsx" in output
    assert not (tmp_path / "out.csv").exists()


def test_findings_are_listed_left_to_right(tmp_path: Path) -> None:
    record = zero_record()
    record["rules.issued"] = "/"  # column L
    record["review.total"] = "/"  # column GS
    record["text.overview"] = None  # column E (W3 warning)
    record["apps.new.natural"] = "/"  # column V
    findings = check_workbook(write_workbook(tmp_path / "o.xlsx", [record])).findings
    errors = [f.cell for f in findings if f.is_error]
    assert errors == ["总表!L5", "总表!V5", "总表!GS5"]
    assert findings[-1].cell == "总表!E5"  # warnings after errors


def test_typer_words_are_chinese() -> None:
    code, output = invoke("build", "--help")
    assert code == 0
    for english in ("Usage", "Options", "Show this message", "<bool>", "<path>", "default:"):
        assert english not in output, english
    assert "用法" in output and "选项" in output
    code, output = invoke("build", "--forse")
    assert code == 2 and "没有这个选项：--forse" in output and "--force" in output
    code, output = invoke("check", "a.xlsx", "b.xlsx")
    assert code == 2 and "多余的参数" in output
    code, output = invoke("build", "--jobs", "-1")
    assert code == 2 and "应不小于 0" in output


def test_outputs_never_overwrite_the_inputs(bad_workbook: Path, tmp_path: Path) -> None:
    original = bad_workbook.read_bytes()
    last_year = write_workbook(tmp_path / "2023.xlsx", [zero_record(year=2023)])
    before = last_year.read_bytes()
    for args in (["--json", str(bad_workbook)],
                 ["--annotate", str(tmp_path / "a.xlsx"), "--json", str(bad_workbook)],
                 ["--previous", str(last_year), "--annotate", str(last_year)],
                 ["--json", str(tmp_path / "x.xlsx"), "--annotate", str(tmp_path / "x.xlsx")]):
        code, output = invoke("check", str(bad_workbook), *args)
        assert code == 2, args
    assert bad_workbook.read_bytes() == original and last_year.read_bytes() == before
    assert not (tmp_path / "a.xlsx").exists() and not (tmp_path / "x.xlsx").exists()


def test_annotated_copy_of_a_csv(tmp_path: Path) -> None:
    from annual_report.format.model import FIELDS

    record = zero_record()
    record["review.upheld"] = 1
    path = tmp_path / "总表[2024年度，各机关汇总的长长的文件名称].csv"
    lines = [",".join(f.key for f in FIELDS),
             ",".join("" if record.get(f.key) is None else str(record[f.key]) for f in FIELDS)]
    path.write_text("\n".join(lines), encoding="utf-8")
    target = tmp_path / "批注.xlsx"
    code, output = invoke("check", str(path), "--annotate", str(target))
    assert code == 1, output
    book = openpyxl.load_workbook(target)
    [finding] = check_workbook(path).findings
    sheet, ref = finding.cell.split("!")
    assert book[sheet][ref].comment is not None


def test_an_empty_email_is_a_warning_in_check(tmp_path: Path) -> None:
    no_email = zero_record("没邮箱的局")
    no_email["email"] = None
    path = write_workbook(tmp_path / "e.xlsx", [no_email, zero_record("有邮箱的局")])
    code, output = invoke("check", str(path))
    assert code == 0
    (finding,) = check_workbook(path).findings
    assert (finding.agency, finding.rule, finding.field, finding.is_error) == (
        "没邮箱的局", "EMAIL", "email", False)
    assert f"提醒 {finding.cell} EMAIL 联系邮箱为空" in output
