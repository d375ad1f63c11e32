"""Re-reading with a memo (workbook/memo.py): the same workbook as a plain read, row for row,
while only the rows that changed are parsed. Workbooks are edited by openpyxl, by hand at the
XML level (as Excel changes one cell) and re-saved by LibreOffice."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual_report.workbook.memo import read_with_memo
from annual_report.workbook.rawrows import read_raw_sheet
from annual_report.workbook.rows import ReadOptions, Workbook, read_workbook
from factories import libreoffice_xlsx

SAMPLE = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"


def _same(a: Workbook, b: Workbook) -> None:
    """Two reads of one file agree on everything a later stage can see."""
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    assert (a.sheet, a.columns, a.extra_columns, a.header_row) == (
        b.sheet, b.columns, b.extra_columns, b.header_row)
    assert [(r.row, r.agency, r.year, r.fingerprint()) for r in a.rows] == [
        (r.row, r.agency, r.year, r.fingerprint()) for r in b.rows]
    for x, y in zip(a.rows, b.rows, strict=True):
        assert dict(x.values.items()) == dict(y.values.items()), x.row
        assert dict(x.raw.items()) == dict(y.raw.items()), x.row
        assert dict(x.extras.items()) == dict(y.extras.items()), x.row
        assert [f.to_dict() for f in x.findings] == [f.to_dict() for f in y.findings]


def _waiting(workbook: Workbook) -> int:
    """How many rows came from the memo and were not parsed (yet)."""
    pending = getattr(workbook.loader, "__self__", None)
    return len(pending.waiting) if pending is not None else 0


def _resaved(source: Path, target: Path) -> Path:
    book = openpyxl.load_workbook(source)
    book.save(target)
    return target


def _edit(path: Path, cells: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["总表"]
    for ref, value in cells.items():
        sheet[ref] = value
    book.save(path)


def _column(key: str) -> str:
    book = openpyxl.load_workbook(SAMPLE)
    for row in book["总表"].iter_rows(min_row=1, max_row=6):
        for cell in row:
            if cell.value == key:
                return str(cell.column_letter)
    raise AssertionError(key)


_libreoffice = libreoffice_xlsx


needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason="LibreOffice is not installed")


@pytest.fixture()
def first(tmp_path: Path) -> Path:
    return _resaved(SAMPLE, tmp_path / "one.xlsx")


def test_one_changed_figure_parses_one_row(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    _same(read_with_memo(first, ReadOptions(), memo), read_workbook(first))
    assert memo.exists()
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    column = _column("apps.new.natural")
    _edit(second, {f"{column}7": 999})
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert _waiting(again) == len(plain.rows) - 1  # only row 7 was parsed
    changed = next(r for r in again.rows if r.row == 7)
    assert changed.values["apps.new.natural"] == 999
    before = next(r for r in read_workbook(first).rows if r.row == 7)
    assert before.fingerprint() != changed.fingerprint()
    _same(again, plain)
    assert _waiting(again) == 0  # comparing asked for every value: all read, all equal


def test_text_edits_moving_shared_strings_and_new_duplicates(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    agency, overview = _column("agency"), _column("text.overview")
    # a new string early in the sheet shifts the index of every later shared string
    plain_first = read_workbook(first)
    _edit(second, {f"{overview}5": "改写后的总体情况。", f"{agency}12": plain_first.rows[3].agency})
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert 0 < _waiting(again) <= len(plain.rows) - 2
    assert any(f.rule == "DUPLICATE" for f in again.findings)
    _same(again, plain)


def test_rows_added_and_removed(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    book = openpyxl.load_workbook(first)
    sheet = book["总表"]
    last = sheet.max_row
    for column in range(1, sheet.max_column + 1):  # the last agency copied below, renamed
        sheet.cell(last + 1, column).value = sheet.cell(last, column).value
    sheet.cell(last + 1, 1).value = "新增的机关"
    for column in range(1, sheet.max_column + 1):  # and one agency emptied
        sheet.cell(8, column).value = None
    book.save(second)
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert "新增的机关" in {r.agency for r in again.rows}
    assert 8 not in {r.row for r in again.rows}
    _same(again, plain)


def test_a_change_outside_the_rows_reads_everything(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    book = openpyxl.load_workbook(first)
    book["总表"].column_dimensions["B"].width = 33  # outside sheetData: the frame
    book.save(second)
    again = read_with_memo(second, ReadOptions(), memo)
    assert again.loader is None  # read in full
    _same(again, read_workbook(second))
    # the memo was written afresh: the next read of the same file takes every row from it
    third = read_with_memo(second, ReadOptions(), memo)
    assert _waiting(third) == len(third.rows)


def test_other_options_or_a_broken_memo_read_everything(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    zero = read_with_memo(first, ReadOptions(blank_as_zero=True), memo)
    assert zero.loader is None
    _same(zero, read_workbook(first, ReadOptions(blank_as_zero=True)))
    memo.write_bytes(b"not a memo")
    broken = read_with_memo(first, ReadOptions(), memo)
    assert broken.loader is None
    _same(broken, read_workbook(first))


def _rewrite(path: Path, member: str, change: Any) -> None:
    """Change one zip member in place of the file, the rest byte for byte (as Excel saves)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            out.writestr(info, change(data) if info.filename == member else data)


def _sheet_member(path: Path) -> tuple[str, str]:
    raw = read_raw_sheet(path, "总表")
    assert raw is not None
    return raw.part, raw.strings_part or ""


@needs_libreoffice
def test_shared_strings_reordered_by_hand_take_every_row_from_the_memo(
        tmp_path: Path, first: Path) -> None:
    """Another program may store the same texts in another order: the rows read the same."""
    memo = tmp_path / "memo.rows"
    shared = _libreoffice(first, tmp_path / "lo")
    read_with_memo(shared, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    shutil.copy(shared, second)
    sheet_part, strings_part = _sheet_member(second)
    with zipfile.ZipFile(second) as archive:
        strings = archive.read(strings_part)
    items = re.findall(rb"<si>.*?</si>", strings, re.S)
    order = list(reversed(range(len(items))))  # new position -> old index
    new_index = {old: new for new, old in enumerate(order)}
    head, tail = strings[:strings.index(b"<si>")], strings[strings.rindex(b"</si>") + 5:]
    _rewrite(second, strings_part, lambda _d: head + b"".join(items[i] for i in order) + tail)
    _rewrite(second, sheet_part, lambda d: re.sub(
        rb'(t="s"[^>]*><v>)([0-9]+)(</v>)',
        lambda m: m.group(1) + str(new_index[int(m.group(2))]).encode() + m.group(3), d))
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert _waiting(again) == len(plain.rows)
    _same(again, plain)


def test_a_figure_changed_in_the_xml_as_excel_saves_it(tmp_path: Path, first: Path) -> None:
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    sheet_part, _strings = _sheet_member(second)
    column = _column("fees.amount") if "fees.amount" in read_workbook(first).columns else "L"
    ref = f'<c r="{column}9"'.encode()

    def change(data: bytes) -> bytes:
        start = data.index(ref)
        end = data.index(b"</c>", start)
        cell = re.sub(rb"<v>[^<]*</v>", b"<v>12.5</v>", data[start:end])
        return data[:start] + cell + data[end:]

    _rewrite(second, sheet_part, change)
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert _waiting(again) == len(plain.rows) - 1
    _same(again, plain)


def test_sheets_it_cannot_take_apart_are_read_in_full(tmp_path: Path, first: Path) -> None:
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    sheet_part, _strings = _sheet_member(second)
    _rewrite(second, sheet_part, lambda d: re.sub(rb'<row r="[0-9]+"', b"<row", d))  # no numbers
    assert read_raw_sheet(second, "总表") is None
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    again = read_with_memo(second, ReadOptions(), memo)
    assert again.loader is None
    _same(again, read_workbook(second))


@needs_libreoffice
def test_saved_by_libreoffice_twice(tmp_path: Path, first: Path) -> None:
    """LibreOffice wrote the workbook, then wrote it again after two cells changed: its shared
    strings are numbered afresh, yet only the two rows are parsed."""
    memo = tmp_path / "memo.rows"
    one = _libreoffice(first, tmp_path / "a")
    read_with_memo(one, ReadOptions(), memo)
    edited = tmp_path / "edited.xlsx"
    shutil.copy(first, edited)
    _edit(edited, {f"{_column('text.overview')}6": "改写后的总体情况。",
                   f"{_column('apps.new.natural')}7": 7})
    two = _libreoffice(edited, tmp_path / "b")
    again = read_with_memo(two, ReadOptions(), memo)
    plain = read_workbook(two)
    assert _waiting(again) == len(plain.rows) - 2
    _same(again, plain)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(5, 39), st.integers(0, 60),
                                st.one_of(st.integers(-3, 200), st.text(max_size=12),
                                          st.none())),
                      max_size=6))
def test_any_edits_read_as_a_plain_read(tmp_path_factory: pytest.TempPathFactory,
                                        edits: list[tuple[int, int, Any]]) -> None:
    folder = tmp_path_factory.mktemp("memo")
    first = _resaved(SAMPLE, folder / "one.xlsx")
    memo = folder / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    book = openpyxl.load_workbook(first)
    sheet = book["总表"]
    for row, column, value in edits:
        text = value if not isinstance(value, str) else re.sub(r"[\x00-\x1f]", "", value)
        sheet.cell(row, column + 1).value = text
    second = folder / "two.xlsx"
    book.save(second)
    _same(read_with_memo(second, ReadOptions(), memo), read_workbook(second))


@needs_libreoffice
def test_a_shared_string_changed_in_place_is_a_changed_row(tmp_path: Path, first: Path) -> None:
    """The row's XML is byte for byte the same, only the text its index names changed."""
    memo = tmp_path / "memo.rows"
    shared = _libreoffice(first, tmp_path / "lo")
    before = read_with_memo(shared, ReadOptions(), memo)
    words = str(before.rows[2].values["text.overview"])[:8].encode()
    second = tmp_path / "two.xlsx"
    shutil.copy(shared, second)
    _sheet, strings_part = _sheet_member(second)
    with zipfile.ZipFile(second) as archive:
        assert words in archive.read(strings_part)
    _rewrite(second, strings_part, lambda d: d.replace(words, "手工改写的一句。".encode(), 1))
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    was = {r.row: r.fingerprint() for r in read_workbook(shared).rows}
    changed = [r for r in plain.rows if r.fingerprint() != was[r.row]]
    assert changed and all("手工改写的一句。" in str(dict(r.values.items())) for r in changed)
    assert _waiting(again) == len(plain.rows) - len(changed)
    _same(again, plain)


def test_a_memo_that_disagrees_with_the_file_stops_and_is_removed(tmp_path: Path,
                                                                  first: Path) -> None:
    """Were a brief ever wrong about its row, reading the row's values says so (in Chinese),
    and the memo is gone, so that running again reads the workbook in full."""
    import dataclasses
    import pickle

    from annual_report.errors import InputError

    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    saved = pickle.loads(memo.read_bytes())
    digest, brief = next((d, b) for d, b in saved.rows.items() if b is not None)
    saved.rows[digest] = dataclasses.replace(brief, fingerprint="0" * 64)
    memo.write_bytes(pickle.dumps(saved))
    again = read_with_memo(first, ReadOptions(), memo)
    wrong = next(r for r in again.rows if r.fingerprint() == "0" * 64)
    with pytest.raises(InputError, match="不一致.*重新运行"):
        again.load([wrong])
    assert not memo.exists()
    _same(read_with_memo(first, ReadOptions(), memo), read_workbook(first))


def test_values_read_later_come_from_the_file_as_it_was_read(tmp_path: Path, first: Path) -> None:
    """A row given in brief is read later from the bytes read at first, even if the workbook
    was saved again (or removed) meanwhile."""
    memo = tmp_path / "memo.rows"
    read_with_memo(first, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    plain = read_workbook(second)
    again = read_with_memo(second, ReadOptions(), memo)
    assert _waiting(again) == len(plain.rows)
    book = openpyxl.load_workbook(second)
    book["总表"]["B9"] = 1999
    book["总表"].column_dimensions["C"].width = 50
    book.save(second)
    again.load(again.rows)
    second.unlink()
    _same(again, plain)


@needs_libreoffice
def test_shared_strings_stored_otherwise_are_compared_by_their_text(tmp_path: Path,
                                                                    first: Path) -> None:
    """The shared strings are known again by their stored bytes; the same text stored another
    way (another compression level, or not compressed) is compared text by text instead."""
    memo = tmp_path / "memo.rows"
    first = _libreoffice(first, tmp_path / "lo")  # openpyxl writes no shared strings
    read_with_memo(first, ReadOptions(), memo)
    sheet_part, strings_part = _sheet_member(first)
    same = tmp_path / "same.xlsx"
    shutil.copy(first, same)
    _rewrite(same, sheet_part, lambda d: d)  # every member rewritten, the same bytes stored
    before, after = read_raw_sheet(first, "总表"), read_raw_sheet(same, "总表")
    assert before is not None and after is not None and before.item_digests
    assert before.strings_digest == after.strings_digest
    for how in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        other = tmp_path / f"other-{how}.xlsx"
        with zipfile.ZipFile(first) as source:
            parts = [(info.filename, source.read(info)) for info in source.infolist()]
        with zipfile.ZipFile(other, "w", how, compresslevel=None if how == 0 else 1) as out:
            out.writestr("docProps/padding.xml", b"<x/>")  # the members start elsewhere
            for name, data in parts:
                out.writestr(name, data)
        raw = read_raw_sheet(other, "总表")
        assert raw is not None and raw.item_digests == before.item_digests  # the same texts
        assert raw.digests == before.digests
        assert raw.strings_digest != before.strings_digest
        again = read_with_memo(other, ReadOptions(), memo)
        plain = read_workbook(other)
        assert _waiting(again) == len(plain.rows)  # every row known by its text
        _same(again, plain)
        read_with_memo(first, ReadOptions(), memo)  # the memo of the first file again


@pytest.mark.parametrize("change", [
    lambda d: d.replace(b"<sheetData>", b'<sheetData x="1">', 1),  # the tag not as Excel writes
    lambda d: d.replace(b"<sheetData>", b"<sheetData/><sheetData>", 1),  # two of them
    lambda d: d.replace(b"</sheetData>", b"</sheetData><sheetData/>", 1),
    lambda d: d.replace(b"</row><row ", b"</row></sheetData><sheetData><row ", 1),
    lambda d: d.replace(b"</row><row ", b"</row>x<row ", 1),  # something between two rows
])
def test_a_sheet_body_laid_out_otherwise_is_read_in_full(tmp_path: Path, first: Path,
                                                         change: Any) -> None:
    second = tmp_path / "two.xlsx"
    shutil.copy(first, second)
    sheet_part, _strings = _sheet_member(second)
    with zipfile.ZipFile(second) as archive:
        assert change(archive.read(sheet_part)) != archive.read(sheet_part)
    _rewrite(second, sheet_part, change)
    assert read_raw_sheet(second, "总表") is None


@needs_libreoffice
def test_a_text_appended_as_excel_saves_it_parses_that_row_only(tmp_path: Path,
                                                                 first: Path) -> None:
    """Excel gives a cell's new text the next free index and may keep the old, now unused,
    string: one row's bytes change (its index), every other row and string stays."""
    memo = tmp_path / "memo.rows"
    shared = _libreoffice(first, tmp_path / "lo")
    before = read_with_memo(shared, ReadOptions(), memo)
    second = tmp_path / "two.xlsx"
    shutil.copy(shared, second)
    sheet_part, strings_part = _sheet_member(second)
    column = _column("text.overview")
    row_number = before.rows[3].row
    with zipfile.ZipFile(second) as archive:
        count = len(re.findall(rb"<si>", archive.read(strings_part)))
    _rewrite(second, strings_part, lambda d: d.replace(
        b"</sst>", "<si><t>新写的一段概述。</t></si></sst>".encode()))

    def point(data: bytes) -> bytes:
        return re.sub(rb'(<c r="' + column.encode() + str(row_number).encode()
                      + rb'"[^>]*t="s"[^>]*><v>)[0-9]+(</v>)',
                      lambda m: m.group(1) + str(count).encode() + m.group(2), data, count=1)

    _rewrite(second, sheet_part, point)
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    assert "新写的一段概述。" in str(plain.rows[3].values["text.overview"])
    assert _waiting(again) == len(plain.rows) - 1
    _same(again, plain)


@needs_libreoffice
def test_a_string_several_rows_use_changed_in_place_reparses_them_all(tmp_path: Path,
                                                                      first: Path) -> None:
    memo = tmp_path / "memo.rows"
    shared = _libreoffice(first, tmp_path / "lo")
    read_with_memo(shared, ReadOptions(), memo)
    sheet_part, strings_part = _sheet_member(shared)
    with zipfile.ZipFile(shared) as archive:
        sheet, strings = archive.read(sheet_part), archive.read(strings_part)
    uses: dict[int, set[bytes]] = {}
    for row in re.finditer(rb'<row r="([0-9]+)".*?</row>', sheet, re.S):
        for index in re.findall(rb't="s"[^>]*><v>([0-9]+)</v>', row.group(0)):
            uses.setdefault(int(index), set()).add(row.group(1))
    index = max((i for i in uses if len(uses[i]) > 2), key=lambda i: len(uses[i]))
    items = re.findall(rb"<si>.*?</si>", strings, re.S)
    second = tmp_path / "two.xlsx"
    shutil.copy(shared, second)
    _rewrite(second, strings_part, lambda d: d.replace(
        items[index], "<si><t>改过的共用文字</t></si>".encode(), 1))
    again = read_with_memo(second, ReadOptions(), memo)
    plain = read_workbook(second)
    was = {r.row: r.fingerprint() for r in read_workbook(shared).rows}
    changed = [r for r in plain.rows if r.fingerprint() != was[r.row]]
    assert len(changed) == len([n for n in uses[index] if int(n) in was]) > 2
    assert _waiting(again) == len(plain.rows) - len(changed)
    _same(again, plain)
