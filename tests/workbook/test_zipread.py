"""workbook/zipread.py reads a member as zipfile reads it, with ISA-L and with zlib: from archives
written by zipfile in every way it can, by openpyxl and by LibreOffice, and refuses what zipfile
refuses."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annual_report import fastzlib
from annual_report.workbook import zipread

SAMPLE = Path(__file__).resolve().parents[2] / "input" / "master.xlsx"


@pytest.fixture(params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "isal":
        isal_zlib = pytest.importorskip("isal.isal_zlib")
        module = isal_zlib
    else:
        module = zlib
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastzlib, "FAST", module)
        yield request.param


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors after each member."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.buffer.write(data)


def _archive(members: list[tuple[str, bytes]], how: int, level: int | None,
             descriptors: bool = False) -> bytes:
    if descriptors:
        sink = _Unseekable()
        with zipfile.ZipFile(sink, "w", how, compresslevel=level) as out:  # type: ignore[arg-type]
            for name, data in members:
                with out.open(name, "w") as stream:
                    stream.write(data)
        return sink.buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", how, compresslevel=level) as out:
        for name, data in members:
            out.writestr(name, data)
    return buffer.getvalue()


def _every_member_as_zipfile_reads_it(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            member = zipread.member_of(archive, info)
            blocks = list(member.blocks())
            assert b"".join(blocks) == archive.read(info), info.filename
            assert all(0 < len(block) <= zipread.BLOCK for block in blocks)
            if member.as_stored:
                assert len(member.stored) == info.compress_size


@pytest.mark.usefixtures("inflater")
@pytest.mark.parametrize(("how", "level", "descriptors"), [
    (zipfile.ZIP_STORED, None, False), (zipfile.ZIP_DEFLATED, 1, False),
    (zipfile.ZIP_DEFLATED, 6, False), (zipfile.ZIP_DEFLATED, 9, False),
    (zipfile.ZIP_DEFLATED, 6, True), (zipfile.ZIP_STORED, None, True),
    (zipfile.ZIP_BZIP2, None, False), (zipfile.ZIP_LZMA, None, False),
])
def test_members_written_every_way_read_as_zipfile_reads_them(
        how: int, level: int | None, descriptors: bool) -> None:
    text = "机关全称，政府信息公开。".encode() * 5000
    members = [("docProps/app.xml", b"<x/>"), ("xl/sharedStrings.xml", text),
               ("xl/worksheets/sheet1.xml", bytes(range(256)) * 300), ("empty", b"")]
    _every_member_as_zipfile_reads_it(_archive(members, how, level, descriptors))


@pytest.mark.usefixtures("inflater")
@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=4),
       st.sampled_from([(zipfile.ZIP_STORED, None), (zipfile.ZIP_DEFLATED, 1),
                        (zipfile.ZIP_DEFLATED, 9)]))
def test_any_content_reads_back(contents: list[bytes], how: tuple[int, int | None]) -> None:
    members = [(f"part{i}.xml", data) for i, data in enumerate(contents)]
    _every_member_as_zipfile_reads_it(_archive(members, *how))


@pytest.mark.usefixtures("inflater")
def test_workbooks_saved_by_openpyxl_and_libreoffice(tmp_path: Path) -> None:
    saved = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(SAMPLE).save(saved)
    files = [SAMPLE, saved]
    if shutil.which("soffice"):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                        "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(saved)],
                       check=True, capture_output=True, timeout=120)
        files.append(tmp_path / "lo" / "openpyxl.xlsx")
    for path in files:
        _every_member_as_zipfile_reads_it(path.read_bytes())


@pytest.mark.usefixtures("inflater")
@pytest.mark.parametrize("how", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_member_is_refused_as_zipfile_refuses_it(how: int) -> None:
    text = "政府信息公开工作年度报告".encode() * 2000
    data = bytearray(_archive([("xl/sharedStrings.xml", text)], how, None))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    start = info.header_offset + 30 + len(info.filename.encode())
    data[start + info.compress_size // 2] ^= 0x55
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        with pytest.raises(zipfile.BadZipFile):
            archive.read(info.filename)
        with pytest.raises(zipfile.BadZipFile):
            b"".join(zipread.member_of(archive, archive.getinfo(info.filename)).blocks())


def test_the_stored_digest_tells_stored_bytes_apart() -> None:
    text = b"<sst>" + b"<si><t>a</t></si>" * 1000 + b"</sst>"
    one, two = (_archive([("s.xml", text)], zipfile.ZIP_DEFLATED, level) for level in (1, 9))
    digests = []
    for data in (one, two, one):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("s.xml")
            member = zipread.member_of(archive, info)
            assert b"".join(member.blocks()) == text and member.as_stored
            digests.append(zipread.stored_digest(info, member.stored))
    assert digests[0] == digests[2] != digests[1]


@pytest.mark.usefixtures("inflater")
@pytest.mark.parametrize("how", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_big_member_comes_a_block_at_a_time_and_may_be_left_early(how: int) -> None:
    text = bytes(range(256)) * (3 * zipread.BLOCK // 256 + 7)  # a little over three blocks
    with zipfile.ZipFile(io.BytesIO(_archive([("big.xml", text)], how, 6))) as archive:
        member = zipread.member_of(archive, archive.getinfo("big.xml"))
    blocks = list(member.blocks())  # the archive closed: the member holds what it needs
    assert [len(b) for b in blocks] == [zipread.BLOCK] * 3 + [len(text) - 3 * zipread.BLOCK]
    assert b"".join(blocks) == text
    first = member.blocks(verify=False)
    assert next(first) == text[:zipread.BLOCK]
    first.close()  # left after one block: nothing to check, nothing raised


@pytest.mark.usefixtures("inflater")
@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=20_000), st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
       st.integers(1, 5000), st.integers(1, 7000))
def test_content_comes_whole_from_stored_bytes_in_any_pieces(
        content: bytes, how: int, piece: int, block: int) -> None:
    data = _archive([("m.xml", content * 3)], how, 6)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("m.xml")
        stored = zipread.stored_bytes(archive, info)
        from_file = zipread.stored_pieces(archive, info, size=piece)
        assert stored is not None and from_file is not None
        assert b"".join(from_file) == stored
    pieces = [stored[i:i + piece] for i in range(0, len(stored), piece)]
    blocks = list(zipread.content_blocks(info, iter(pieces), block=block))
    assert b"".join(blocks) == content * 3
    assert all(0 < len(b) <= block for b in blocks)
    if stored:
        damaged = bytearray(stored)
        damaged[len(damaged) // 2] ^= 0x55
        with pytest.raises(zipfile.BadZipFile):
            b"".join(zipread.content_blocks(info, iter([bytes(damaged)]), block=block))
