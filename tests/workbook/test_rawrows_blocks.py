"""rawrows reads the sheet and its shared strings a block at a time: whatever the block size
(rows, tags and strings cut anywhere), it finds what one block holding everything finds, and
writes the same subset copies. Workbooks as openpyxl, Excel (shared strings) and LibreOffice
save them."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report.workbook import rawrows, zipread
from annual_report.workbook.blank import share_strings
from annual_report.workbook.memo import read_with_memo
from annual_report.workbook.rawrows import Known, RawSheet, read_raw_sheet, write_subset
from annual_report.workbook.rows import ReadOptions, read_workbook
from factories import libreoffice_xlsx

SAMPLE = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"
BLOCKS = [7, 61, 1000, 4096, 65_536]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("blocks")
    plain = shutil.copy(SAMPLE, folder / "openpyxl.xlsx")
    shared = share_strings(shutil.copy(SAMPLE, folder / "shared.xlsx"))
    found = {"openpyxl": Path(plain), "shared strings": shared}
    if shutil.which("soffice"):
        found["libreoffice"] = libreoffice_xlsx(shared, folder / "lo")
    return found


def _fields(raw: RawSheet) -> tuple[object, ...]:
    return (raw.part, raw.strings_part, raw.frame, raw.strings_digest, raw.numbers, raw.plain,
            raw.digests, raw.row_refs, raw.spans, raw.item_digests, raw.lead, raw.trail,
            raw.others)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("kind", ["openpyxl", "shared strings", "libreoffice"])
def test_any_block_size_reads_and_writes_the_same(
        workbooks: dict[str, Path], kind: str, block: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if kind not in workbooks:
        pytest.skip("no LibreOffice")
    path = workbooks[kind]
    whole = read_raw_sheet(path, "总表")
    assert whole is not None and len(whole.numbers) > 30
    with zipfile.ZipFile(path) as archive:  # one block holds everything: the reference
        assert all(info.file_size < zipread.BLOCK for info in archive.infolist())
    monkeypatch.setattr(zipread, "BLOCK", block)
    small = read_raw_sheet(path, "总表")
    assert small is not None
    assert _fields(small) == _fields(whole)
    rows = len(whole.numbers)
    for keep in ([0, 1, 2], [0, 1, 2, rows // 2, rows - 1], list(range(rows))):
        monkeypatch.setattr(zipread, "BLOCK", 1 << 20)
        write_subset(whole, keep, tmp_path / "whole.xlsx")
        monkeypatch.setattr(zipread, "BLOCK", block)
        write_subset(small, keep, tmp_path / "small.xlsx")
        assert _members(tmp_path / "small.xlsx") == _members(tmp_path / "whole.xlsx")


def test_the_subset_holds_exactly_the_rows_kept(workbooks: dict[str, Path],
                                                tmp_path: Path) -> None:
    path = workbooks["shared strings"]
    raw = read_raw_sheet(path, "总表")
    assert raw is not None
    full = read_workbook(path)
    header = [i for i, n in enumerate(raw.numbers) if n <= full.header_row]
    chosen = [i for i, n in enumerate(raw.numbers) if n > full.header_row][3:30:7]
    write_subset(raw, header + chosen, tmp_path / "subset.xlsx")
    subset = read_workbook(tmp_path / "subset.xlsx")
    wanted = {raw.numbers[i] for i in chosen}
    assert [r.row for r in subset.rows] == sorted(wanted)
    by_row = {r.row: r for r in full.rows}
    for row in subset.rows:
        assert row.fingerprint() == by_row[row.row].fingerprint()
    with zipfile.ZipFile(tmp_path / "subset.xlsx") as copy:
        sheet = copy.read(raw.part)
    # the sheet's columns down to the last row kept: neither the old extent nor a scan of it
    assert re.findall(rb'<dimension ref="([^"]+)"/>', sheet) == [
        b"A1:%s%d" % (re.search(rb'<dimension ref="A1:([A-Z]+)', raw.lead).group(1),  # type: ignore[union-attr]
                      max(wanted))]
    used = {ref for i in header + chosen for ref in raw.row_refs[i]}
    assert used and len(used) < len(raw.item_digests)  # the other strings were blanked


@pytest.mark.parametrize("block", [61, 4096])
def test_rows_known_from_before_have_the_digests_hashing_gives(
        workbooks: dict[str, Path], block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbooks["shared strings"]
    first = read_raw_sheet(path, "总表")
    assert first is not None and first.hashed == len(first.numbers)
    known = Known(first.strings_digest, first.item_digests,
                  dict(zip(first.plain, first.digests, strict=True)),
                  dict(zip(first.plain, first.row_refs, strict=True)))
    monkeypatch.setattr(zipread, "BLOCK", block)
    again = read_raw_sheet(path, "总表", known)
    assert again is not None and again.hashed == 0  # every row known: none hashed again
    assert _fields(again) == _fields(first)
    # the same rows, known by bytes, but their strings said to differ: each is hashed again
    other = Known(b"other", [bytes(16)] * len(first.item_digests), known.digest, known.refs)
    third = read_raw_sheet(path, "总表", other)
    assert third is not None and third.hashed == sum(1 for refs in first.row_refs if refs)
    assert _fields(third) == _fields(first)


@pytest.mark.parametrize("block", [61, 4096])
def test_the_memo_reads_as_the_full_read_at_any_block_size(
        workbooks: dict[str, Path], block: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbooks["shared strings"]
    memo = tmp_path / "memo.rows"
    read_with_memo(path, ReadOptions(), memo)
    monkeypatch.setattr(zipread, "BLOCK", block)
    again = read_with_memo(path, ReadOptions(), memo)
    plain = read_workbook(path)
    again.load(again.rows)
    assert [r.fingerprint() for r in again.rows] == [r.fingerprint() for r in plain.rows]
    assert [(r.row, r.values.get("agency")) for r in again.rows] == [
        (r.row, r.values.get("agency")) for r in plain.rows]


def _reference(data: bytes, used: set[int]) -> tuple[list[bytes], bytes] | None:
    """Items as the whole-buffer code took them apart: each from its <si to the next one's,
    the last to the end of its </si>; and the strings with the unused items blank."""
    starts = [m.start() for m in re.finditer(rb"<si\b", data)]
    if not starts:
        return [], data
    last = data.rfind(b"</si>")
    if last < starts[-1]:
        return None
    ends = [*starts[1:], last + 5]
    items = [data[a:b] for a, b in zip(starts, ends, strict=True)]
    blank = b"".join(item if i in used else b"<si><t></t></si>" for i, item in enumerate(items))
    return items, data[:starts[0]] + blank + data[ends[-1]:]


_TEXTS = st.text(alphabet="ab中<>&", max_size=12)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(st.tuples(st.sampled_from(["<si>", "<si >", '<si x="1">']), _TEXTS,
                                st.sampled_from(["", "\n", "  "])), max_size=12),
       lead=st.sampled_from([b'<?xml version="1.0"?>\n<sst count="9">', b"<sst>", b""]),
       trail=st.sampled_from([b"</sst>", b"\n</sst>\n", b""]),
       block=st.integers(1, 40), used=st.sets(st.integers(0, 12)))
def test_strings_taken_apart_a_block_at_a_time_as_whole(
        items: list[tuple[str, str, str]], lead: bytes, trail: bytes, block: int,
        used: set[int]) -> None:
    data = lead + b"".join(f"{tag}<t>{text.replace('<', '&lt;')}</t></si>{gap}".encode()
                           for tag, text, gap in items) + trail
    blocks = [data[i:i + block] for i in range(0, len(data), block)]
    expected = _reference(data, used)
    digests = rawrows._item_digests(iter(blocks))
    if expected is None:
        assert digests is None
        return
    items_whole, blanked = expected
    assert digests == [hashlib.sha256(item).digest()[:16] for item in items_whole]
    assert b"".join(rawrows._blanked(iter(blocks), used)) == blanked


@pytest.mark.parametrize("data", [b"<sst><si><t>a</t></si><si><t>b</t>", b"<sst><si><t>a"])
def test_strings_whose_last_item_has_no_end_are_refused(data: bytes) -> None:
    for block in (1, 3, len(data)):
        assert rawrows._item_digests(iter([data[i:i + block]
                                           for i in range(0, len(data), block)])) is None
