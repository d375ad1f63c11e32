"""send --forms: each agency its own form through a real SMTP server (aiosmtpd on 127.0.0.1),
with the reports' dry run, send log and once-only guarantee; a re-issued form goes out again,
marked 【更正】; the form that comes back by e-mail is recognised by collect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annual_report.cli.app import app
from annual_report.forms.collect import collect_forms
from annual_report.forms.decide import Verdict
from annual_report.forms.issue import load_record
from annual_report.mail.log import LOG_NAME, SendLog
from annual_report.status.overview import build_overview
from annual_report.workbook.blank import write_workbook
from form_helpers import issue, names
from smtp_helpers import smtp_server

runner = CliRunner()
WHO = names(3)


def send(master: Path, out: Path, folder: Path, port: int, *args: str) -> Any:
    return runner.invoke(app, [
        "send", str(master), "--out", str(out), "--forms", str(folder), "--due", "2025-01-15",
        "--smtp", f"127.0.0.1:{port}", "--security", "none", "--rate", "0",
        "--sender", "区政府办公室 <gov@example.cn>", *args], env={"COLUMNS": "250"})


def test_forms_go_out_once_and_come_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    records = [{"agency": WHO[0], "year": 2024, "email": "a0@example.cn"},
               {"agency": WHO[1], "year": 2024, "email": "a1@example.cn; b1@example.cn"},
               {"agency": WHO[2], "year": 2024}]
    master = write_workbook(tmp_path / "总表.xlsx", records)
    out = tmp_path / "output"
    folder = issue(master, None, out=out).folder
    assert folder == out / "2024" / "填报表"
    with smtp_server("plain", tmp_path) as server:
        dry = send(master, out, folder, server.port, "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert not server.messages and len(list((out / "eml-填报表").glob("*.eml"))) == 2
        assert "无邮箱" in dry.output
        done = send(master, out, folder, server.port)
        assert done.exit_code == 0, done.output
        assert len(server.messages) == 2
        sent = {m.message["To"].addresses[0].display_name: m for m in server.messages}
        record = load_record(folder)
        for agency in WHO[:2]:
            message = sent[agency].message
            assert "2025年1月15日前交回" in str(message["Subject"])
            body = message.get_body(("plain",))
            assert body is not None and "2025年1月15日前" in body.get_content()
            (attachment,) = list(message.iter_attachments())
            assert attachment.get_filename() == f"{agency}2024年政府信息公开工作年度报告填报表.xlsx"
            form = record.get(agency, 2024)
            assert form is not None
            assert attachment.get_content() == (folder / form.file).read_bytes()
        assert sorted(sent[WHO[1]].rcpt_tos) == ["a1@example.cn", "b1@example.cn"]
        log = SendLog.load(out / LOG_NAME)
        assert {r.get("kind") for r in log.records} == {"form"}

        again = send(master, out, folder, server.port)
        assert again.exit_code == 0 and len(server.messages) == 2
        assert "不再重复发送" in again.output

        records[0]["apps.new.natural"] = "5件"  # as collect merged a text typed into a figure
        write_workbook(master, records)
        issue(master, None, out=out, only=[WHO[0]])
        corrected = send(master, out, folder, server.port)
        assert corrected.exit_code == 0, corrected.output
        assert len(server.messages) == 3
        assert str(server.messages[2].message["Subject"]).startswith("【更正】")
        text = server.messages[2].message.get_body(("plain",)).get_content()
        assert "有 1 处需要更正" in text and "标成红色" in text, text
        assert "需要更正" not in sent[WHO[1]].message.get_body(("plain",)).get_content()
        reply = server.messages[2].data
    overview = {s.agency: s for s in build_overview(master, out).agencies}
    assert overview[WHO[0]].form == overview[WHO[1]].form == "已发送"
    assert overview[WHO[2]].form == "已生成未发送" and overview[WHO[0]].sent == "未发送"
    mail = tmp_path / "收件箱" / "回信.eml"
    mail.parent.mkdir()
    mail.write_bytes(reply)
    result = collect_forms([mail.parent], master)
    assert [o.verdict for o in result.outcomes] == [Verdict.UNCHANGED]
    assert result.outcomes[0].agency == WHO[0]


def test_forms_need_a_due_date(tmp_path: Path) -> None:
    done = runner.invoke(app, ["send", "--forms", str(tmp_path), "--dry-run"])
    assert done.exit_code == 2 and "--due" in done.output
