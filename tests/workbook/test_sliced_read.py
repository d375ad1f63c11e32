"""A large sheet read in slices (workbook/slices.py) with its narratives beyond a budget in a
temporary file (workbook/spill.py) reads exactly as the whole sheet read at once: every cell,
every finding, every row. The workbooks come from this project's writer (inline strings), from
openpyxl (shared strings), from LibreOffice, with the shared strings renumbered by hand, and
with rows, cells and formulas written as other programs write them."""

from __future__ import annotations

import datetime as dt
import html
import io
import pickle
import random
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.checks.run import check_workbook
from annual_report.errors import InputError
from annual_report.format.synthetic import district_records
from annual_report.workbook import sheets, slices, spill
from annual_report.workbook.blank import share_strings, write_workbook
from annual_report.workbook.rows import Workbook, read_workbook
from annual_report.workbook.slices import sliced_rows
from factories import libreoffice_xlsx

SHEET = "总表"


def _whole(path: Path, sheet: str = SHEET) -> list[list[Any]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return list(sheets._calamine_rows(book.get_sheet_by_name(sheet), path))


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without their trailing empty cells, without the empty rows at the end (the whole
    grid pads every row to its widest, a slice to its own)."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _never() -> Any:
    raise AssertionError("read whole, not in slices")


def _sliced(path: Path, sheet: str = SHEET, whole: Any = _never) -> list[list[Any]]:
    return list(sliced_rows(path, sheet, whole))


def _same(a: Workbook, b: Workbook) -> None:
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    assert (a.sheet, a.columns, a.extra_columns, a.header_row) == (
        b.sheet, b.columns, b.extra_columns, b.header_row)
    assert [(r.row, r.agency, r.fingerprint()) for r in a.rows] == [
        (r.row, r.agency, r.fingerprint()) for r in b.rows]
    for x, y in zip(a.rows, b.rows, strict=True):
        assert dict(x.values.items()) == dict(y.values.items()), x.row
        assert dict(x.raw.items()) == dict(y.raw.items()), x.row
        assert dict(x.extras.items()) == dict(y.extras.items()), x.row


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every .xlsx sheet read in slices of about two rows, every narrative spilled."""
    monkeypatch.setattr(sheets, "SLICED_FROM", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 3000)
    monkeypatch.setattr(spill, "KEPT_CHARS", 0)


def _share_strings(path: Path, order: str = "first use") -> Path:
    """The file with its inline texts in sharedStrings.xml, numbered in the order of first use
    or (``"reversed"``) the other way round."""
    return share_strings(path, reverse=order == "reversed")


def _master(path: Path, count: int = 12, seed: int = 3) -> Path:
    records = district_records(count, seed=seed)
    rng = random.Random(seed)
    records[2]["review.upheld"] = 7  # findings to compare too
    records[4]["text.problems"] = ""
    records[5]["agency"] = records[1]["agency"]  # a duplicate across slices
    records[6]["report_date"] = "2025年2月30日"
    for record in records:
        record["text.other"] = record.get("text.other", "") + "&<>\"' 第二段\n" + "长" * rng.randrange(0, 900)
    return write_workbook(path, records)


def _edit_sheet(path: Path, edit: Any) -> Path:
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            out.writestr(info.filename, edit(data) if info.filename == "xl/worksheets/sheet1.xml"
                         else data)
    path.write_bytes(buffer.getvalue())
    return path


_libreoffice = libreoffice_xlsx


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Workbook, Workbook]:
    """The workbook read whole, and read in slices (parsed two at a time); read in slices
    parsed one after the other (as a sheet too large for two in flight is), it is the same."""
    whole = read_workbook(path)
    with monkeypatch.context() as patch:
        patch.setattr(sheets, "SLICED_FROM", 0)
        patch.setattr(slices, "SLICE_BYTES", 3000)
        patch.setattr(spill, "KEPT_CHARS", 0)
        patch.setattr(slices, "PARSERS", 2)
        sliced = read_workbook(path)
        patch.setattr(slices, "PARALLEL_BELOW", 0)
        one_by_one = read_workbook(path)
    assert [(r.row, r.agency, r.fingerprint(), r.findings) for r in one_by_one.rows] == [
        (r.row, r.agency, r.fingerprint(), r.findings) for r in sliced.rows]
    assert one_by_one.findings == sliced.findings
    return whole, sliced


@pytest.mark.parametrize("strings", ["inline", "first use", "reversed"])
def test_own_workbooks_read_the_same_in_slices(tmp_path: Path, strings: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = _master(tmp_path / "总表.xlsx")
    if strings != "inline":
        _share_strings(path, strings)
    assert _trimmed(_sliced(path)) == _trimmed(_whole(path))
    whole, sliced = _both_ways(path, monkeypatch)
    _same(whole, sliced)
    assert any(f.rule == "DUPLICATE" for f in sliced.findings)
    assert any(type(v) is spill.Spilled for r in sliced.rows for v in r.values.cells)  # type: ignore[attr-defined]


def test_openpyxl_saved_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _master(tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book[SHEET]
    sheet["B7"] = "=2023+1"  # a formula openpyxl writes without a cached value
    sheet["D8"] = dt.datetime(2025, 1, 20, 9, 30)
    sheet["L9"] = 3.5
    sheet["M10"] = True
    book.save(tmp_path / "b.xlsx")
    path = tmp_path / "b.xlsx"
    assert _trimmed(_sliced(path)) == _trimmed(_whole(path))
    whole, sliced = _both_ways(path, monkeypatch)
    _same(whole, sliced)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_saved_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _master(tmp_path / "总表.xlsx")
    book = openpyxl.load_workbook(source)
    book[SHEET]["B7"] = "=2023+1"  # LibreOffice saves it with its value
    book[SHEET]["L8"] = "=L9+1"
    book.save(source)
    path = _libreoffice(source, tmp_path / "lo")
    if not path.exists():
        pytest.skip("LibreOffice Calc is not installed")
    assert b"<f aca" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert _trimmed(_sliced(path)) == _trimmed(_whole(path))
    whole, sliced = _both_ways(path, monkeypatch)
    _same(whole, sliced)


def test_rows_and_cells_as_other_programs_write_them(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Gaps and empty rows, a row without cells, cells without references, cached formula
    values, strings from formulas, booleans, errors, column A empty for a while."""
    def edit(data: bytes) -> bytes:
        data = data.replace(b'<row r="8">', b'<row r="9">', 1)  # a gap: row 8 missing
        data = re.sub(rb'<row r="10">.*?</row>', b'<row r="10"/>', data, count=1, flags=re.S)
        data = data.replace(b'<c r="L11" t="n"><v>', b'<c r="L11"><f>SUM(1,2)</f><v>', 1)
        data = data.replace(b'<c r="C12" t="inlineStr">', b'<c r="C12" t="str"><f>"x"</f><v>'
                            b'a@example.cn</v></c><c r="X99" t="inlineStr">', 1)
        data = re.sub(rb'<c r="A13" t="inlineStr"><is><t>(.*?)</t></is></c>', b"", data, count=1)
        data = data.replace(b'<c r="M14" t="n"><v>0</v></c>', b'<c r="M14" t="b"><v>1</v></c>')
        data = data.replace(b'<c r="N14" t="n"><v>0</v></c>', b'<c r="N14" t="e"><v>#N/A</v></c>')
        return data

    path = _edit_sheet(_master(tmp_path / "总表.xlsx", count=14), edit)
    rows = _whole(path)
    assert _trimmed(_sliced(path, whole=lambda: iter(rows))) == _trimmed(rows)
    whole, sliced = _both_ways(path, monkeypatch)
    _same(whole, sliced)


@pytest.mark.parametrize("edit", [
    lambda d: d.replace(b'<row r="9">', b'<row spans="1:5" r="9">', 1),  # r not first
    lambda d: d.replace(b'<row r="9">', b"<!-- a note --><row r=\"9\">", 1),
    lambda d: d.replace(b'<row r="9">', b'<row r="90">', 1),  # out of order
    lambda d: d.replace(b"<sheetData>", b"<x:sheetData>", 1),  # not a layout for slices
])
def test_what_cannot_be_sliced_with_certainty_is_read_whole(tmp_path: Path, edit: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _share_strings(_edit_sheet(_master(tmp_path / "总表.xlsx"), edit))
    try:
        rows = _whole(path)
    except python_calamine.CalamineError:
        rows = None  # calamine cannot read it either: both say so alike
    if rows is None:
        with pytest.raises(Exception):  # noqa: B017 - whatever calamine raises
            _sliced(path, whole=lambda: iter(_whole(path)))
        return
    handed: list[int] = []

    def whole() -> Any:
        handed.append(1)
        return iter(_whole(path))

    assert _trimmed(_sliced(path, whole=whole)) == _trimmed(rows)
    assert handed  # the rest read whole, from where the slices stopped
    whole_read, sliced = _both_ways(path, monkeypatch)
    _same(whole_read, sliced)


def test_a_shared_string_cell_written_another_way(tmp_path: Path) -> None:
    path = _share_strings(_master(tmp_path / "总表.xlsx"))
    path = _edit_sheet(path, lambda d: d.replace(b' t="s"><v>', b' t="s" cm="1"><v>', 3))
    rows = _whole(path)
    assert _trimmed(_sliced(path, whole=lambda: iter(rows))) == _trimmed(rows)


def test_check_and_pickled_rows_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      small_slices: None) -> None:
    path = _share_strings(_master(tmp_path / "总表.xlsx", count=20))
    sliced = check_workbook(path)
    monkeypatch.undo()
    whole = check_workbook(path)
    assert [f.to_dict() for f in sliced.findings] == [f.to_dict() for f in whole.findings]
    copied = pickle.loads(pickle.dumps(sliced.rows))  # as a spawned worker gets them
    for a, b in zip(copied, whole.rows, strict=True):
        assert not any(type(v) is spill.Spilled for v in a.values.cells)
        assert dict(a.values.items()) == dict(b.values.items())
        assert a.fingerprint() == b.fingerprint()


def test_spilled_texts_read_back(tmp_path: Path) -> None:
    texts = spill.TextSpill(kept_chars=1)
    words = ["短", "第二段\n" * 40, "emoji 😀 and a lone \ud800", "", "末" * 300_000]
    handles = [texts.keep(w) for w in words]
    assert handles[0] == "短" and all(type(h) is spill.Spilled for h in handles[1:])
    for _ in range(2):
        assert [h if isinstance(h, str) else h.text() for h in handles] == words


_CELL = st.one_of(
    st.none(),
    st.integers(-10**6, 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.sampled_from(["", " ", "本机关 & <公开>", "=不是公式", "0012", "\n两行\n"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(_CELL, max_size=9), min_size=1, max_size=14),
       size=st.integers(60, 4000), shared=st.sampled_from(["openpyxl", "first use", "reversed"]))
def test_any_sheet_reads_the_same_in_slices(tmp_path_factory: pytest.TempPathFactory,
                                            grid: list[list[Any]], size: int, shared: str) -> None:
    folder = tmp_path_factory.mktemp("grid")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=2 if r % 3 == 0 else 1):
            if value is not None:
                cell = sheet.cell(r, c)
                cell.value = value
    book.create_sheet("填表说明")["A1"] = "说明"
    path = folder / "总表.xlsx"
    book.save(path)
    if shared != "openpyxl" and b"inlineStr" in zipfile.ZipFile(path).read(
            "xl/worksheets/sheet1.xml"):  # openpyxl writes its texts inline
        _share_strings(path, shared)
    handed: list[int] = []

    def whole() -> Any:
        handed.append(1)
        return iter(_whole(path))

    old = slices.SLICE_BYTES, slices._READ, slices.PARSERS, slices.PARALLEL_BELOW
    slices.SLICE_BYTES, slices._READ = size, size // 3 + 1  # inflated in small pieces too
    try:
        rows = _whole(path)
        for parsers, below in ((2, old[3]), (1, old[3]), (2, 0)):  # two in flight, or one
            slices.PARSERS, slices.PARALLEL_BELOW = parsers, below
            assert _trimmed(_sliced(path, whole=whole)) == _trimmed(rows)
    finally:
        slices.SLICE_BYTES, slices._READ, slices.PARSERS, slices.PARALLEL_BELOW = old
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert not handed or b"<sheetData>" not in xml  # sliced unless there are no rows at all


def test_a_damaged_sheet_is_refused_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte changed in the compressed sheet: both reads refuse the file with the same message
    (the sliced one checks the length and CRC-32 the archive records, as zipfile does)."""
    path = _share_strings(_master(tmp_path / "总表.xlsx"))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data = bytearray(path.read_bytes())
    data[start + info.compress_size // 2] ^= 0x5A
    path.write_bytes(bytes(data))
    messages = []
    for sliced in (False, True):
        with monkeypatch.context() as patch:
            if sliced:
                patch.setattr(sheets, "SLICED_FROM", 0)
                patch.setattr(slices, "SLICE_BYTES", 3000)
            with pytest.raises(InputError) as raised:
                read_workbook(path)
            messages.append(str(raised.value))
    assert messages[0] == messages[1]


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=12), min_size=1, max_size=12),
       cuts=st.lists(st.integers(1, 40), min_size=1, max_size=30), spaced=st.booleans())
def test_shared_strings_taken_apart_in_any_pieces(texts: list[str], cuts: list[int],
                                                  spaced: bool) -> None:
    """The shared strings arrive inflated in pieces of any size: every item is found whole."""
    gap = "\n " if spaced else ""
    items = [f'<si><t xml:space="preserve">{html.escape(t, quote=False)}</t></si>{gap}'
             for t in texts]
    data = ('<?xml version="1.0"?>\n<sst xmlns="x" count="9" uniqueCount="9">' + gap
            + "".join(items) + "</sst>").encode()
    pieces, at = [], 0
    for n in cuts * (len(data) // max(sum(cuts), 1) + 1):
        pieces.append(data[at:at + n])
        at += n
    pieces.append(data[at:])
    strings = slices._Strings(iter([p for p in pieces if p]))
    try:
        assert len(strings) == len(items)
        assert strings.opening == b'<sst xmlns="x">'
        found = strings.items(list(range(len(items))))
        assert b"".join(found) == "".join(items).rstrip().encode()
    finally:
        strings.close()
