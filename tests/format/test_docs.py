"""The documentation stays true: generated variable list, command help, README commands."""

from __future__ import annotations

import re

import pytest

from annual_report.format.docs import DOC_PATH, render_markdown
from annual_report.format.model import FIELDS
from annual_report.report.build import DEFAULT_TEMPLATE
from annual_report.report.render import CompiledTemplate
from conftest import ROOT
from generate import app


def test_template_doc_is_generated_from_the_model() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/template.md is out of date: run `python -m annual_report.format.docs`"
    )


def test_every_model_field_is_documented() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    for f in FIELDS:
        assert f"{{{{ {f.key} }}}}" in text, f.key


def test_every_variable_of_the_default_template_is_documented() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    documented = set(re.findall(r"`\{\{ ([\w.]+) \}\}`", text))
    used = {".".join(path) for path in CompiledTemplate.load(DEFAULT_TEMPLATE).variables()}
    assert used, "the template reads no variables?"
    missing = {name for name in used if not any(
        name == d or name.startswith(d + ".") or d.startswith(name + ".") for d in documented)}
    assert not missing


@pytest.mark.parametrize("command", [c.name or c.callback.__name__ for c in app.registered_commands
                                     if c.callback is not None])
def test_every_command_has_chinese_help_and_is_in_the_readme(command: str) -> None:
    registered = {(c.name or (c.callback.__name__ if c.callback else "")): c
                  for c in app.registered_commands}
    callback = registered[command].callback
    assert callback is not None and callback.__doc__
    assert re.search(r"[\u4e00-\u9fff]", callback.__doc__)
    assert "示例" in callback.__doc__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"generate.py {command.replace('_', '-')}" in readme


def test_readme_opens_with_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert commands == ["bash setup.sh && python3 generate.py build",
                        "bash setup.sh --test && python3 -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_format_doc_is_generated_from_the_model_and_the_catalogue() -> None:
    from annual_report.checks import format_doc

    text = format_doc.DOC_PATH.read_text(encoding="utf-8")
    assert text == format_doc.render_markdown(), (
        "docs/format.md is out of date: run `python3 -m annual_report.checks.format_doc`")
    for f in FIELDS:
        assert f"`{f.key}`" in text, f.key


def test_every_rule_is_documented_and_the_readme_agrees_with_the_catalogue() -> None:
    from annual_report.checks.catalog import CATALOG, RULES
    from annual_report.checks.format_doc import DOC_PATH as FORMAT_DOC

    text = FORMAT_DOC.read_text(encoding="utf-8")
    for rule in CATALOG:
        assert f"| {rule.code} | {rule.severity.label} | {rule.title} |" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z][A-Z0-9_]*) \| (错误|提醒) \|", readme, re.M)
    assert rows, "the README's rule table is gone?"
    for code, severity in rows:
        assert code in RULES and RULES[code].severity.label == severity, code


def documents() -> list[tuple[str, str]]:
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [(p.name, p.read_text(encoding="utf-8")) for p in paths]


def test_docs_never_link_outside_the_repository() -> None:
    for name, text in documents():
        for target in re.findall(r"\]\(([^)]+)\)", text):
            assert not target.startswith(("../", "/")) and "shared/spec" not in target, (name,
                                                                                        target)
            if "://" not in target:
                assert (ROOT / ("docs" if name != "README.md" else "") / target.split("#")[0]
                        ).exists(), (name, target)
        assert "../shared" not in text, name


def test_one_spelling_of_the_interpreter() -> None:
    """Linux commands say python3 (a fresh Debian has no `python`)."""
    texts = [*documents(), *[(c.callback.__name__, c.callback.__doc__ or "")
                             for c in app.registered_commands if c.callback is not None]]
    for name, text in texts:
        assert not re.search(r"(?<![\w/.-])python (?:-m |generate\.py|tools/|bench/)", text), name
