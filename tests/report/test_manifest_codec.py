"""The manifest's own JSON writer and quick entry check agree with json and the field rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.errors import InputError
from annual_report.report import manifest as m

_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_DIGEST = st.text(alphabet="0123456789abcdef", min_size=1, max_size=8)
_BAD_PATHS = ["", "/etc/x", "a\\b", "c:x", "../x", "2024/../x", "2024/.."]
_GOOD: dict[str, st.SearchStrategy[Any]] = {  # what a build writes
    "agency": _TEXT, "year": st.one_of(st.none(), st.integers(1, 9999)),
    "file": st.sampled_from(["2024/甲.docx", "未知年度/乙（2）.docx", "a"]),
    "sha256": _DIGEST, "row_sha256": _DIGEST, "template_sha256": _DIGEST,
    "valid": st.booleans(), "built_at": _TEXT,
    "pdf": st.one_of(st.none(), st.just("2024/甲.pdf")),
    "pdf_sha256": st.one_of(st.none(), _DIGEST), "edited_sha256": st.one_of(st.none(), _DIGEST),
    "checker_sha256": st.one_of(st.none(), _DIGEST),
}
_ODD = st.one_of(st.none(), st.booleans(), st.sampled_from([-1, 0, 1, 9999, 10_000, 10_001]),
                 st.sampled_from(_BAD_PATHS), _TEXT, st.just([1]), st.just({"a": 1}),
                 st.just(2024.0))


def _field_by_field(raw: dict[str, Any]) -> bool:
    """The rule as stated field by field: every required field there, every field there of its
    kind (fields it does not know are passed over)."""
    return (all(key in raw for key in m._REQUIRED)
            and all(m._valid(key, raw[key]) for key in m._KINDS if key in raw))


@st.composite
def _raw_entries(draw: st.DrawFn) -> dict[str, Any]:
    """A field set as a build writes it, now and then with one or two fields of a wrong kind,
    missing, or one too many."""
    raw = {key: draw(values) for key, values in _GOOD.items()}
    for key in draw(st.lists(st.sampled_from(sorted(raw)), max_size=2)):
        raw[key] = draw(_ODD)
    if draw(st.integers(0, 20)) == 0:
        del raw[draw(st.sampled_from(sorted(raw)))]
    if draw(st.integers(0, 20)) == 0:
        raw["extra"] = 1
    return raw


@settings(max_examples=400, deadline=None)
@given(_raw_entries())
def test_the_quick_check_takes_exactly_what_the_field_rules_take(raw: dict[str, Any]) -> None:
    if _field_by_field(raw):
        assert m._entry(raw, "x") == m.Entry(**{k: v for k, v in raw.items() if k in m._KINDS})
    else:
        with pytest.raises(m._Bad):
            m._entry(raw, "x")


_ENTRY = st.builds(m.Entry, **_GOOD)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENTRY, max_size=6))
def test_each_line_is_what_json_dumps_writes_and_reads_back(entries: list[m.Entry]) -> None:
    manifest = m.Manifest()
    for entry in entries:
        manifest.put(entry)
    text = manifest.to_json()
    for entry in manifest.entries.values():
        line = m._entry_json(entry)
        assert line == json.dumps(entry.as_dict(), ensure_ascii=False, sort_keys=True)
        assert line in text
    data = json.loads(text)
    assert data["version"] == m.MANIFEST_VERSION
    back = {(year, agency): m.Entry(**raw) for year, group in data["reports"].items()
            for agency, raw in group.items()}
    assert back == manifest.entries


def test_a_manifest_written_is_read_back_and_a_wrong_field_is_named(tmp_path: Path) -> None:
    manifest = m.Manifest()
    manifest.put(m.Entry("甲\"局\n", 2024, "2024/甲.docx", "a", "b", "c", True, "t"))
    m.save_manifest(tmp_path, manifest)
    assert m.load_manifest(tmp_path).entries == manifest.entries
    text = (tmp_path / m.MANIFEST_NAME).read_text(encoding="utf-8")
    (tmp_path / m.MANIFEST_NAME).write_text(text.replace('"year": 2024', '"year": "2024"'),
                                            encoding="utf-8")
    with pytest.raises(InputError, match="year 应为年份数字或 null"):
        m.load_manifest(tmp_path)


@pytest.mark.parametrize(("key", "value"), [
    ("year", 0), ("year", -1), ("year", 10_000), ("year", True), ("year", "2024"),
    ("year", 2024.0), ("valid", 1), ("file", ""), ("file", "/etc/x"), ("file", "a\\b"),
    ("file", "c:x"), ("file", "2024/../x"), ("pdf", "../x.pdf"), ("pdf", 1), ("agency", None),
    ("checker_sha256", 1), ("edited_sha256", ["a"]),
])
def test_a_field_of_the_wrong_kind_is_refused_on_the_quick_path_too(key: str, value: Any) -> None:
    raw = {"agency": "甲", "year": 2024, "file": "2024/甲.docx", "sha256": "a", "row_sha256": "b",
           "template_sha256": "c", "valid": True, "built_at": "t", "pdf": None,
           "pdf_sha256": None, "edited_sha256": None, "checker_sha256": None}
    assert m._entry(raw, "x") == m.Entry(**raw)
    with pytest.raises(m._Bad, match=key):
        m._entry({**raw, key: value}, "x")
