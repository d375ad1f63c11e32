"""docxtpl's clean-up of a part, remembered (report/patched.py): the same text as docxtpl's own,
kept in the cache folder, and a changed cache entry is still only template text in the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docxtpl import DocxTemplate

from annual_report.errors import TemplateError
from annual_report.report.build import DEFAULT_TEMPLATE
from annual_report.report.patched import patch_xml
from annual_report.report.render import CompiledTemplate

PART = ('<w:p xmlns:w="w"><w:r><w:t>{</w:t></w:r><w:r><w:t>{ agency }</w:t></w:r>'
        '<w:r><w:t>}</w:t></w:r><w:r><w:t>{%p if x %}</w:t></w:r></w:p>')


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNUAL_REPORT_CACHE", str(tmp_path / "cache"))


def test_same_as_docxtpl_and_kept(tmp_path: Path) -> None:
    expected = DocxTemplate(io.BytesIO()).patch_xml(PART)
    assert patch_xml(PART) == expected
    kept = list((tmp_path / "cache" / "template-parts").glob("*.xml"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == expected
    assert patch_xml(PART) == expected  # from the cache


def test_the_bundled_template_compiles_the_same_from_the_cache() -> None:
    first = CompiledTemplate.load(DEFAULT_TEMPLATE)
    again = CompiledTemplate.load(DEFAULT_TEMPLATE)
    assert [(p.name, p.proven, p.fix_tables) for p in first._parts] == [
        (p.name, p.proven, p.fix_tables) for p in again._parts]
    assert (first._required, first._optional) == (again._required, again._optional)


def test_a_cache_entry_changed_by_hand_is_checked_like_a_template(tmp_path: Path) -> None:
    patch_xml(PART)
    (entry,) = (tmp_path / "cache" / "template-parts").glob("*.xml")
    entry.write_text('<w:p xmlns:w="w"><w:r><w:t>{{ agency.__class__ }}</w:t></w:r></w:p>',
                     encoding="utf-8")
    template = tmp_path / "t.docx"
    template.write_bytes(DEFAULT_TEMPLATE.read_bytes())
    # the bundled template's parts are other texts: only a hand-made entry for them matters
    CompiledTemplate.load(template)
    for kept in (tmp_path / "cache" / "template-parts").glob("*.xml"):
        kept.write_text('<w:p xmlns:w="w"><w:r><w:t>{{ agency.__class__ }}</w:t></w:r></w:p>',
                        encoding="utf-8")
    with pytest.raises(TemplateError, match="__class__"):
        CompiledTemplate.load(template)
