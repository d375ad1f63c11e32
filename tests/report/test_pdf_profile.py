"""The LibreOffice profile `build --pdf` makes: seeded so that a batch starts soffice once.

A new profile costs LibreOffice 7.4 a restart (it cleans its extension cache when
``user/extensions/buildid`` is missing) and, at every start whose profile does not record the
version, its GraphicsRenderTests (which leave ``user/GraphicsRenderTests.log``). The facts come
from the installation's own files; they are checked here against ``soffice --version``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.pdf import _Converter, find_soffice, installation_facts, seed_profile
from annual_report.workbook.blank import write_workbook
from factories import needs_libreoffice, zero_record

pytestmark = pytest.mark.pdf


XCD = ('<oor:component-data oor:name="Setup"><node oor:name="Product">'
       '<prop oor:name="ooSetupVersion">\n        <value>{}</value>\n      </prop>'
       "</node></oor:component-data>")


def _installation(root: Path, program: str, versionrc: str, registry: str,
                  version: str, build_id: str) -> Path:
    soffice = root / program
    soffice.parent.mkdir(parents=True)
    soffice.write_text("")
    (root / versionrc).parent.mkdir(parents=True, exist_ok=True)
    (root / versionrc).write_text(f"[Version]\r\nAllLanguages=en-US\r\nbuildid={build_id}\r\n"
                                  "Vendor=The Document Foundation\r\n")
    (root / registry).parent.mkdir(parents=True, exist_ok=True)
    (root / registry).write_text(XCD.format(version), encoding="utf-8")
    return soffice


def test_facts_read_from_each_systems_layout(tmp_path: Path) -> None:
    windows = _installation(tmp_path / "win", "program/soffice.exe", "program/version.ini",
                            "share/registry/main.xcd", "24.8", "bcf8aa5b2f3f5a10d9bd7a5b3a6c")
    assert installation_facts(str(windows)) == ("24.8", "bcf8aa5b2f3f5a10d9bd7a5b3a6c")
    mac = _installation(tmp_path / "LibreOffice.app", "Contents/MacOS/soffice",
                        "Contents/Resources/versionrc", "Contents/Resources/registry/main.xcd",
                        "7.6", "60(Build:4)")
    assert installation_facts(str(mac)) == ("7.6", "60(Build:4)")
    bare = tmp_path / "bare" / "soffice"
    bare.parent.mkdir()
    bare.write_text("")
    assert installation_facts(str(bare)) == (None, None)


def test_seeding_writes_only_what_is_known(tmp_path: Path) -> None:
    seed_profile(tmp_path / "none", (None, None))
    assert not (tmp_path / "none").exists()
    seed_profile(tmp_path / "both", ("7.4", "40(Build:2)"))
    assert (tmp_path / "both/user/extensions/buildid").read_bytes() == b"40(Build:2)"
    registry = (tmp_path / "both/user/registrymodifications.xcu").read_text(encoding="utf-8")
    assert '<value>7.4</value>' in registry and 'oor:name="ooSetupLastVersion"' in registry


@needs_libreoffice
def test_facts_agree_with_soffice_version() -> None:
    soffice = find_soffice()
    assert soffice is not None
    printed = subprocess.run([soffice, "--version"], capture_output=True, text=True,
                             timeout=120, check=True).stdout
    version, build_id = installation_facts(soffice)
    assert version is not None and build_id is not None
    assert re.search(rf"\b{re.escape(version)}\.\d", printed), printed
    assert build_id in printed


def _one_report(tmp_path: Path) -> Path:
    workbook = write_workbook(tmp_path / "总表.xlsx", [zero_record("测试区甲局")])
    build_reports(workbook, BuildOptions(out=tmp_path / "out", jobs=1))
    return tmp_path / "out" / "2024" / "测试区甲局.docx"


@needs_libreoffice
def test_a_seeded_profile_starts_once_without_self_tests(tmp_path: Path) -> None:
    soffice = find_soffice()
    assert soffice is not None
    docx = _one_report(tmp_path)
    seeded = _Converter(soffice, tmp_path, installation_facts(soffice))
    plain = _Converter(soffice, tmp_path)
    texts = []
    for converter in (seeded, plain):
        assert converter.convert([docx]) == {docx: None}
        texts.append(subprocess.run(["pdftotext", "-layout", str(docx.with_suffix(".pdf")), "-"],
                                    capture_output=True, text=True, timeout=60, check=True).stdout)
        docx.with_suffix(".pdf").unlink()
    assert "测试区甲局" in texts[0] and texts[0] == texts[1]  # the same pages either way
    # The unseeded profile shows what the seeding avoids, so these checks can fail.
    assert (plain.profile / "user" / "GraphicsRenderTests.log").exists()
    assert "OfficeRestartInProgress" in _registry(plain.profile)
    assert not (seeded.profile / "user" / "GraphicsRenderTests.log").exists()
    assert "OfficeRestartInProgress" not in _registry(seeded.profile)
    assert (seeded.profile / "user" / "extensions" / "buildid").read_text() == \
        installation_facts(soffice)[1]


def _registry(profile: Path) -> str:
    return (profile / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
