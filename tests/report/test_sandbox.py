"""Templates are code: they render in Jinja's immutable sandbox, and a template that reaches for
Python's internals is refused once, by `check-template` and by `build`, naming what it reached.

The payloads are real: each would run a shell command (creating a marker file) outside the
sandbox; every test asserts that the marker never appears.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import docx
import pytest
from jinja2.exceptions import SecurityError

from annual_report.report.build import DEFAULT_TEMPLATE, BuildOptions, build_reports
from annual_report.report.jinja_env import environment
from annual_report.report.template_safety import unsafe_reaches
from annual_report.workbook.blank import write_workbook
from conftest import ROOT, invoke_squashed
from factories import fill_consistent, zero_record

SAMPLE = ROOT / "input" / "master.xlsx"


invoke = invoke_squashed


def template_with(target: Path, tag: str) -> Path:
    """The project's template with ``tag`` before the agency's name in the body."""
    with zipfile.ZipFile(DEFAULT_TEMPLATE) as zin, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ agency }}", (tag + "{{ agency }}").encode(), 1)
            zout.writestr(info, data)
    return target


def shell(marker: Path) -> str:
    return f"touch {marker}"


@pytest.mark.parametrize(("tag", "reached"), [
    ("{{{{ cycler.__init__.__globals__.os.popen('{cmd}').read() }}}}", "cycler.__init__"),
    ("{{% if false %}}{{{{ joiner.__init__.__globals__.os.system('{cmd}') }}}}{{% endif %}}",
     "joiner.__init__"),  # in a branch never taken: still refused
    ("{{{{ namespace['__init__'].__globals__.os.popen('{cmd}') }}}}", "namespace['__init__']"),
    ("{{{{ (lipsum|attr('__globals__')).os.popen('{cmd}') }}}}", "lipsum|attr('__globals__')"),
    ("{{{{ agency.__class__.__mro__[1].__subclasses__() }}}}", "agency.__class__"),
    ("{{% for x in apps|map(attribute='__class__') %}}{{% endfor %}}{{{{ '{cmd}' }}}}",
     "apps|map(attribute='__class__')"),
], ids=["cycler", "untaken-branch", "getitem", "attr-filter", "mro", "map-attribute"])
def test_check_template_names_what_a_template_reaches_for(
    tmp_path: Path, tag: str, reached: str
) -> None:
    marker = tmp_path / "ran"
    template = template_with(tmp_path / "恶意.docx", tag.format(cmd=shell(marker)))
    code, output = invoke("check-template", str(template))
    assert code == 2, output
    assert f"试图访问{reached}。" in output and "安全" in output and "正文" in output
    assert not marker.exists()


def test_build_refuses_such_a_template_once_and_writes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('{shell(marker)}').read() }}}}"
    template = template_with(tmp_path / "恶意.docx", payload)
    out = tmp_path / "out"
    code, output = invoke("build", str(SAMPLE), "--out", str(out), "--template", str(template))
    assert code == 2, output
    assert output.count("试图访问cycler.__init__") == 1  # once, not once per agency
    assert not marker.exists() and not list(out.rglob("*.docx"))


@pytest.mark.parametrize(("tag", "words"), [
    ("{{ agency|attr('_' ~ '_class__') }}", "访问str对象的__class__"),  # a name made at run time
    ("{% set seen = [] %}{{ seen.append(1) }}", "访问list对象的append"),  # changing data
    ("{{ extra.pop('x') }}", "访问dict对象的pop"),
    ("{% for i in range(10 ** 7) %}{% endfor %}", "range()最多只能有100000项"),
], ids=["computed-name", "list-append", "dict-pop", "huge-range"])
def test_what_only_shows_at_run_time_is_refused_by_the_trial_render(
    tmp_path: Path, tag: str, words: str
) -> None:
    template = template_with(tmp_path / "t.docx", tag)
    code, output = invoke("check-template", str(template))
    assert code == 2 and "试生成" in output and words in output, output


def test_the_sandbox_keeps_dict_keys_first_and_its_checks_for_the_rest() -> None:
    env = environment()
    data = {"update": "总表中名为 update 的列", "items": "名为 items 的列", "n": 1}
    assert env.from_string("{{ d.update }}|{{ d.items }}").render(d=data) == (
        "总表中名为 update 的列|名为 items 的列")
    assert env.from_string("{{ d.keys()|list|length }}").render(d={"a": 1}) == "1"
    for source in ("{{ d.update({}) }}", "{{ d.__class__ }}", "{{ d.clear() }}"):
        with pytest.raises(SecurityError):
            env.from_string(source).render(d={"a": 1})
    assert env.from_string("{{ '<R&D>' }}").render() == "&lt;R&amp;D&gt;"  # still escaped


def test_unsafe_reaches_sees_every_kind_of_step() -> None:
    env = environment()
    ast = env.parse("{{ a.b }}{{ a['c'] }}{{ x.__dict__ }}{{ y|attr('mro') }}{{ f(z._p) }}")
    assert unsafe_reaches(ast) == [("x.__dict__", "x.__dict__"), ("y|attr('mro')", "y|attr('mro')"),
                                   ("z._p", "z._p")]


def test_the_project_template_and_extra_columns_render_in_the_sandbox(tmp_path: Path) -> None:
    record = fill_consistent(zero_record("测试区沙箱局"), random.Random(3))
    record["联系人"] = "张三"
    workbook = write_workbook(tmp_path / "w.xlsx", [record])
    custom = template_with(tmp_path / "c.docx", "{{ extra['联系人'] }}{{ 联系人 }}")
    result = build_reports(workbook, BuildOptions(out=tmp_path / "out", template=custom))
    assert result.exit_code == 0 and len(result.built) == 1, result.failed
    assert result.built[0].file is not None
    text = "".join(p.text for p in docx.Document(str(result.built[0].file)).paragraphs)
    assert "张三张三测试区沙箱局" in text
