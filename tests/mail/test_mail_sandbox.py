"""Mail subject and body templates run in Jinja's immutable sandbox.

A template that reaches for Python behind the variables (``cycler.__init__.__globals__.os``, a
dunder attribute, a method that changes data) is refused with a Chinese message that names what
it tried to reach, before anything is sent or written, also under ``--dry-run``; and nothing it
asked for runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from annual_report.errors import MailError
from annual_report.format.model import FIGURE_FIELDS
from annual_report.mail.message import MessageTemplates, Sender, template_context
from annual_report.report.manifest import Manifest, save_manifest
from annual_report.workbook.blank import write_workbook
from generate import app

POPEN = "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}"


@pytest.mark.parametrize(("template", "named"), [
    (POPEN, "cycler.__init__"),
    ("{{ agency.__class__.__mro__ }}", "agency.__class__"),
    ("{{ agency|attr('__class__') }}", "__class__"),
    ("{{ joiner.__call__ }}", "joiner.__call__"),
    ("{{ attachments['__len__'] }}", "__len__"),
])
def test_reaching_for_python_internals_is_refused_by_name(template: str, named: str) -> None:
    for subject, body in ((template, "正文"), ("主题", template)):
        with pytest.raises(MailError) as info:
            MessageTemplates(subject, body)
        message = str(info.value)
        assert named in message and "安全" in message and "模板" in message, message


@pytest.mark.parametrize(("template", "named"), [
    ("{{ attachments.append('x') }}", "list 对象的 append"),
    ("{{ '{0.__class__}'.format(agency) }}", "str 对象的 __class__"),
    ("{% set d = {} %}{{ d.update(a=1) }}", "dict 对象的 update"),
])
def test_the_sandbox_refuses_at_run_time_too(template: str, named: str) -> None:
    with pytest.raises(MailError) as info:
        MessageTemplates("主题", template)
    assert named in str(info.value) and "安全" in str(info.value), str(info.value)


def test_ordinary_templates_still_work() -> None:
    templates = MessageTemplates(
        "{{ agency|upper }}{{ year }}年报告{% if corrected %}（更正）{% endif %}",
        "{% for name in attachments %}{{ loop.index }}. {{ name }}\n{% endfor %}"
        "{{ addresses|join('、') }} {{ range(2)|list }} {{ '%s-%s'|format(agency, year) }}")
    context = template_context("ab局", 2024, corrected=False, attachments=["a.docx", "b.pdf"],
                               addresses=["x@y.cn", "z@y.cn"], sender=Sender.parse("g@y.cn"))
    subject, body = templates.render(context, "ab局")
    assert subject == "AB局2024年报告"
    assert body == "1. a.docx\n2. b.pdf\nx@y.cn、z@y.cn [0, 1] ab局-2024\n"


def test_dry_run_refuses_a_hostile_template_and_runs_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workbook = write_workbook(tmp_path / "master.xlsx", [
        {"agency": "测试区甲局", "year": 2024, "email": "a@example.cn",
         **{f.key: 0 for f in FIGURE_FIELDS}}])
    save_manifest(tmp_path / "output", Manifest())
    (tmp_path / "subject.txt").write_text(POPEN, encoding="utf-8")
    result = CliRunner().invoke(app, [
        "send", str(workbook), "--out", str(tmp_path / "output"), "--dry-run", "--sender",
        "gov@example.cn", "--subject-template", "subject.txt"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "cycler.__init__" in result.stderr and "安全" in result.stderr
    assert "subject.txt" in result.stderr
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "output" / "eml").exists()
