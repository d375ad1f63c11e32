"""Reports deflated by the fastest module (ISA-L, or zlib without it) read back as written, by
zipfile and by python-docx, and the same inputs give the same bytes."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

import docx
import pytest

from annual_report import fastzlib, zipwrite
from conftest import ROOT


@pytest.fixture(params=["isal", "zlib"])
def module(request: pytest.FixtureRequest) -> Iterator[None]:
    chosen = pytest.importorskip("isal.isal_zlib") if request.param == "isal" else zlib
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastzlib, "FAST", chosen)
        yield


@pytest.mark.usefixtures("module")
def test_a_report_deflated_fast_reads_back_and_is_deterministic() -> None:
    template = (ROOT / "templates" / "annual_report.docx").read_bytes()
    members = zipwrite.read_members(template)
    title = "<w:p><w:r><w:t>政府信息公开工作年度报告</w:t></w:r></w:p>".encode()
    document = dict(members)["word/document.xml"].replace(b"<w:body>", b"<w:body>" + title, 1)
    static = [(name, data) for name, data in members if name != "word/document.xml"]
    prepared = zipwrite.PreparedZip(static, ["word/document.xml"])
    one = prepared.build({"word/document.xml": document})
    assert one == prepared.build({"word/document.xml": document})
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        assert archive.testzip() is None
        assert archive.read("word/document.xml") == document
        assert archive.getinfo("word/document.xml").compress_type == zipfile.ZIP_DEFLATED
    assert docx.Document(io.BytesIO(one)).paragraphs[0].text == "政府信息公开工作年度报告"


@pytest.mark.usefixtures("module")
@pytest.mark.parametrize("data", [b"", b"x", bytes(range(256)) * 40, "表三".encode() * 9000])
def test_fast_deflate_inflates_to_the_same_bytes(data: bytes) -> None:
    assert zlib.decompress(fastzlib.fast_deflate(data), -zlib.MAX_WBITS) == data
    assert fastzlib.crc32(data) == zlib.crc32(data)
