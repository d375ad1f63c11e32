"""What a Windows PC needs that this machine can check: file names Windows accepts, where its
LibreOffice installer puts soffice, Chinese advice when it is absent, profile URIs of Chinese paths."""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annual_report.outputs import MAX_STEM, safe_stem, unique_stems
from annual_report.report import pdf
from annual_report.report.pdf import find_soffice, how_to_install_soffice, soffice_candidates

WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                   *(f"{p}{n}" for p in ("COM", "LPT") for n in "123456789¹²³")}
# A deep output folder a clerk might use; MAX_PATH (260) must still hold.
DEEP_FOLDER = PureWindowsPath(r"C:\Users\办公室张三\Desktop\2024年政府信息公开年报\output\2024")


def windows_accepts(file_name: str) -> bool:
    """Windows' rules for one file name (what CreateFileW refuses or silently changes)."""
    base = file_name.split(".")[0].rstrip(" ")
    return (bool(file_name) and not set(file_name) & WINDOWS_FORBIDDEN
            and not file_name.endswith((".", " ")) and base.upper() not in WINDOWS_DEVICES
            and len(file_name.encode("utf-16-le")) // 2 <= 255
            and PureWindowsPath(file_name).name == file_name)


@pytest.mark.parametrize("name", [
    "CON", "con", "PRN", "AUX", "NUL", "COM1", "com9", "LPT1", "COM¹", "LPT³", "CONIN$", "conout$",
    "CON.报告", "nul .docx", "Aux  ", "某局.", "某局. . ", " .某局", "...", "", "  ", "a/b\\c:d*e?f",
    "机关\t全称\n", "名称<>|\"", "x" * 300, "很长的机关名称" * 30, "🏛" * 100,
])
def test_awkward_agency_names_give_names_windows_accepts(name: str) -> None:
    stem = safe_stem(name)
    for suffix in (".docx", ".pdf", ".eml"):
        assert windows_accepts(stem + suffix), repr(stem + suffix)
    assert len(stem) <= MAX_STEM
    assert len(str(DEEP_FOLDER / f"{stem}.docx")) < 260


@given(st.text(max_size=200))
def test_any_name_gives_a_name_windows_accepts(name: str) -> None:
    stem = safe_stem(name)
    assert windows_accepts(stem + ".docx") and windows_accepts(stem + ".pdf")


@given(st.lists(st.text(alphabet="局Aa. ", min_size=1, max_size=6), max_size=12))
def test_names_stay_apart_on_a_case_blind_file_system(names: list[str]) -> None:
    stems = unique_stems(names)
    folded = [PureWindowsPath(f"{stem}.docx") for stem in stems.values()]
    assert len(set(folded)) == len(folded)  # PureWindowsPath compares without case


def test_ordinary_names_are_kept() -> None:
    for name in ("西安市樊川区人民政府办公室", "西安市公安局樊川分局", "樊川区教育局（体育局）"):
        assert safe_stem(name) == name


WINDOWS_ENV = {"ProgramFiles": r"C:\Program Files", "ProgramFiles(x86)": r"C:\Program Files (x86)",
               "LOCALAPPDATA": r"C:\Users\张三\AppData\Local"}


def test_windows_installer_locations_come_first() -> None:
    found = soffice_candidates("Windows", WINDOWS_ENV)
    assert found[:2] == [r"C:\Program Files\LibreOffice\program\soffice.exe",
                         r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"]
    assert r"C:\Users\张三\AppData\Local\Programs\LibreOffice\program\soffice.exe" in found
    assert soffice_candidates("Windows", {})[0] == r"C:\Program Files\LibreOffice\program\soffice.exe"
    other_drive = soffice_candidates("Windows", {"ProgramFiles": r"D:\Programs"})
    assert other_drive[0] == r"D:\Programs\LibreOffice\program\soffice.exe"


def test_macos_application_folder() -> None:
    found = soffice_candidates("Darwin", {"HOME": "/Users/zhang"})
    assert found == ["/Applications/LibreOffice.app/Contents/MacOS/soffice",
                     "/Users/zhang/Applications/LibreOffice.app/Contents/MacOS/soffice"]


def test_soffice_is_found_where_the_installer_put_it(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "Applications" / "LibreOffice.app" / "Contents" / "MacOS" / "soffice"
    app.parent.mkdir(parents=True)
    app.write_text("#!/bin/sh\n", encoding="utf-8")
    app.chmod(0o755)
    empty = {"PATH": str(tmp_path / "nothing"), "HOME": str(tmp_path)}
    assert find_soffice("Darwin", empty) == str(app)  # ~/Applications
    assert find_soffice("Darwin", {"PATH": str(tmp_path / "nothing"), "HOME": "/nowhere"}) is None
    on_path = dict(empty, PATH=str(app.parent))
    assert find_soffice("Linux", on_path) == str(app)  # the PATH wins everywhere
    monkeypatch.setattr(pdf, "SOFFICE_PATHS", ())
    assert find_soffice("Linux", {"PATH": str(tmp_path / "nothing")}) in (
        None, *(str(p) for p in Path("/opt").glob("libreoffice*/program/soffice")))


@pytest.mark.parametrize(("system", "words"), [
    ("Windows", r"C:\Program Files\LibreOffice"), ("Darwin", "应用程序"), ("Linux", "bash setup.sh --pdf"),
])
def test_advice_when_libreoffice_is_absent_fits_the_computer(system: str, words: str) -> None:
    advice = how_to_install_soffice(system)
    assert words in advice and "LibreOffice" in advice
    if system != "Linux":
        assert "apt-get" not in advice and "bash" not in advice


def test_a_profile_under_a_chinese_windows_user_folder_is_a_valid_uri() -> None:
    profile = PureWindowsPath(r"C:\Users\办公室 张三\AppData\Local\Temp\.pdf-x1\profile-y2")
    uri = profile.as_uri()
    assert uri.startswith("file:///C:/Users/") and " " not in uri and "\\" not in uri
    assert os.path.basename(uri) == "profile-y2"
