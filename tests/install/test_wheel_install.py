"""The package as an office PC gets it: built with ``python -m build`` from a fresh copy of the
repository, installed from the wheel into a clean virtual environment, and every command of the
README run from a folder outside the repository."""

from __future__ import annotations

import email
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from install_helpers import ROOT, clean_env, fresh_clone, run, shown, wheelhouse

from annual_report.report.pdf import find_soffice
from annual_report.workbook.rows import read_workbook
from generate import app

__all__ = ["wheelhouse"]  # the fixture, imported
pytestmark = pytest.mark.install

README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL_DOC = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
BUNDLED = {"templates/annual_report.docx": "annual_report/bundled/annual_report.docx",
           "input/master.xlsx": "annual_report/bundled/master.xlsx",
           "input/master-2023.xlsx": "annual_report/bundled/master-2023.xlsx"}
SAMPLE_AGENCIES = len(read_workbook(ROOT / "input" / "master.xlsx").rows)
# The README's table uses these names for the user's own files; here they are the sample's.
PLACEHOLDERS = {"2024年总表.xlsx": "input/master.xlsx", "2023年总表.xlsx": "input/master-2023.xlsx",
                "我的模板.docx": "templates/annual_report.docx"}
# Folders the user fills: the forms that came back (those `forms` made, as sent) and the
# agencies' published reports (those `build` made).
FOLDERS = {"collect": ("output/2024/填报表", "*.xlsx"), "import": ("output/2024", "*.docx")}
SEND_TOML = 'sender = "gov@example.cn"\n'  # the office's own settings (docs/send.md)


def windows_commands() -> list[str]:
    section = README.split("## 在 Windows 电脑上使用", 1)[1].split("\n## ", 1)[0]
    block = section.split("```powershell", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def inline_commands() -> list[str]:
    """Every ``python3 generate.py …`` and ``nianbao …`` that the README and docs/install.md show
    in running text and tables, in order, once each."""
    found = [c for text in (README, INSTALL_DOC)
             for c in re.findall(r"`((?:python3 generate\.py|nianbao) [^`]+)`", text)]
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_clone(tmp_path_factory.mktemp("clone"))


@pytest.fixture(scope="module")
def built(clone: Path, tmp_path_factory: pytest.TempPathFactory,
          wheelhouse: Path) -> tuple[Path, Path]:
    """The sdist and the wheel built from it, as `python -m build` makes them."""
    dist = tmp_path_factory.mktemp("dist")
    done = run([sys.executable, "-m", "build", "--outdir", str(dist), str(clone)], dist,
               clean_env(wheelhouse=wheelhouse))
    assert done.returncode == 0, shown(done)
    (sdist,), (wheel,) = (sorted(dist.glob(pattern)) for pattern in ("*.tar.gz", "*.whl"))
    return sdist, wheel


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, built: tuple[Path, Path],
         wheelhouse: Path) -> Path:
    """A clean virtual environment with the wheel installed by the README's own pip line."""
    folder = tmp_path_factory.mktemp("venv")
    done = run([sys.executable, "-m", "venv", str(folder)], folder, clean_env())
    assert done.returncode == 0, shown(done)
    install = windows_commands()[0]
    assert install == f"py -m pip install {built[1].name}", "README installs another wheel"
    done = run([str(folder / "bin" / "python"), "-m", "pip", "install", str(built[1])],
               folder, clean_env(wheelhouse=wheelhouse))
    assert done.returncode == 0, shown(done)
    return folder


def nianbao(venv: Path, line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """One documented command, run by the installed console script in ``cwd``."""
    words = shlex.split(line)
    if words[:2] == ["python3", "generate.py"]:
        words = ["nianbao", *words[2:]]
    assert words[0] == "nianbao", line
    return run([str(venv / "bin" / "nianbao"), *words[1:]], cwd, clean_env(venv / "bin"))


def test_the_wheel_carries_the_files_git_keeps_once(built: tuple[Path, Path]) -> None:
    sdist, wheel = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for source, inside in BUNDLED.items():
            assert archive.read(inside) == (ROOT / source).read_bytes(), inside
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "nianbao = annual_report.cli.readahead:main" in archive.read(entry_points).decode()
    tracked = subprocess.run(["git", "ls-files", "annual_report"], cwd=ROOT, capture_output=True,
                             text=True, check=True, timeout=60).stdout.split()
    assert {n for n in tracked if n.endswith(".py")} <= names  # every stage, new ones too
    assert not [n for n in tracked if n.startswith("annual_report/bundled/")]  # one copy in git
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    assert set(BUNDLED) <= members and "setup.sh" in members


def test_pip_install_of_the_folder_gets_the_same_wheel(clone: Path, built: tuple[Path, Path],
                                                        tmp_path: Path, wheelhouse: Path) -> None:
    """`pip install .` builds its wheel from the folder directly (no sdist): same contents."""
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(clone)],
               tmp_path, clean_env(wheelhouse=wheelhouse))
    assert done.returncode == 0, shown(done)
    (direct,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(direct) as a, zipfile.ZipFile(built[1]) as b:
        assert {i.filename: i.CRC for i in a.infolist() if "dist-info" not in i.filename} == {
            i.filename: i.CRC for i in b.infolist() if "dist-info" not in i.filename}


def check_outputs(line: str, cwd: Path) -> None:
    """What a command of the README must have left in ``cwd``, read back with real readers."""
    words = shlex.split(line)
    command = words[1] if words[0] == "nianbao" else words[2]
    if command == "sample":
        assert (cwd / "input" / "master.xlsx").is_file()
    elif command == "init":
        book = openpyxl.load_workbook(cwd / words[-1])
        assert "填表说明" in book.sheetnames
    elif command == "check" and "--annotate" in words:
        book = openpyxl.load_workbook(cwd / words[words.index("--annotate") + 1])
        assert "校验结果" in book.sheetnames
    elif command == "build":
        reports = sorted((cwd / "output" / "2024").glob("*.docx"))
        assert len(reports) == SAMPLE_AGENCIES
        text = "\n".join(p.text for p in docx.Document(str(reports[0])).paragraphs)
        assert reports[0].stem in text
        if "--pdf" in words:
            assert len(list((cwd / "output" / "2024").glob("*.pdf"))) == SAMPLE_AGENCIES
    elif command == "send":
        messages = sorted((cwd / "output").rglob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        assert messages  # one per agency with a good address, for each kind of mail
        parsed = email.message_from_bytes(messages[-1].read_bytes())
        assert parsed["To"] and parsed["Subject"]


def run_documented(venv: Path, line: str, cwd: Path) -> None:
    words = shlex.split(line)
    if "--pdf" in words and find_soffice() is None:
        pytest.skip(f"{line}: no LibreOffice on this machine")  # CI's setup.sh --test installs it
    if "send" in words and "--dry-run" not in words:
        line += " --dry-run"  # no real mail from a test: the same run up to the SMTP server
    for command, (made_by_earlier_commands, pattern) in FOLDERS.items():  # what the user brings
        folder = cwd / words[words.index(command) + 1] if command in words else None
        if folder is not None and not folder.exists():
            folder.mkdir()
            for made in (cwd / made_by_earlier_commands).glob(pattern):
                shutil.copy(made, folder / made.name)
    done = nianbao(venv, line, cwd)
    assert done.returncode == 0, f"{line}\n{shown(done)}"
    check_outputs(line, cwd)


def test_every_command_of_the_readme_runs_installed_from_another_folder(
    venv: Path, tmp_path: Path
) -> None:
    # The Windows section, in order, in an empty folder (it starts with `nianbao sample`).
    office = tmp_path / "office"
    office.mkdir()
    for line in windows_commands()[1:]:
        run_documented(venv, line, office)
    # Then the others, in order, in the same folder with the sample standing in for the user's
    # own files (so that a build finds its reports made and only checks them); a command that
    # makes new files (init, sample) gets an empty folder of its own.
    for name, source in PLACEHOLDERS.items():
        shutil.copy(ROOT / source, office / name)
    (office / "send.toml").write_text(SEND_TOML, encoding="utf-8")
    assert len(inline_commands()) >= 6
    for number, line in enumerate(inline_commands()):
        words = shlex.split(line)
        if words[1 if words[0] == "nianbao" else 2] in ("init", "sample"):
            (tmp_path / str(number)).mkdir()
            run_documented(venv, line, tmp_path / str(number))
        else:
            run_documented(venv, line, office)


def test_the_installed_command_has_every_subcommand_and_needs_no_repository(
    venv: Path, tmp_path: Path
) -> None:
    registered = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    helped = nianbao(venv, "nianbao --help", tmp_path)
    module = run([str(venv / "bin" / "python"), "-m", "annual_report", "--help"], tmp_path,
                 clean_env())
    for done in (helped, module):
        assert done.returncode == 0, shown(done)
        for command in registered:
            assert command.replace("_", "-") in done.stdout
    where = run([str(venv / "bin" / "python"), "-c", "import annual_report; print(annual_report.__file__)"],
                tmp_path, clean_env())
    assert Path(where.stdout.strip()).is_relative_to(venv), shown(where)
    # no workbook named and none here: where it looked, and how to get the sample
    lost = nianbao(venv, "nianbao build", tmp_path)
    assert lost.returncode == 2 and "nianbao sample" in lost.stderr and str(tmp_path) in lost.stderr
    assert not (tmp_path / "output").exists()
    template = nianbao(venv, "nianbao check-template", tmp_path)  # the bundled template
    assert template.returncode == 0 and "可以使用" in template.stdout, shown(template)


SPAWN_HOOK = """\
import os, annual_report.report.workers as workers
workers.START_METHOD = "spawn"  # as on Windows, which has no fork
with open(os.environ["SPAWN_LOG"], "a", encoding="utf-8") as log:
    log.write(f"{os.getpid()}\\n")
"""


def test_spawned_workers_under_the_installed_entry_points(venv: Path, tmp_path: Path) -> None:
    """Windows starts workers by spawning: they import the entry point's main module again, which
    must not run the command a second time. Same reports as a run with fork."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SPAWN_HOOK, encoding="utf-8")
    shutil.copytree(ROOT / "input", tmp_path / "input")
    forked = nianbao(venv, "nianbao build --jobs 2 --out forked", tmp_path)
    assert forked.returncode == 0, shown(forked)
    expected = {p.name: p.read_bytes() for p in (tmp_path / "forked" / "2024").glob("*.docx")}
    assert len(expected) == SAMPLE_AGENCIES
    for name, command in (("console", [str(venv / "bin" / "nianbao")]),
                          ("module", [str(venv / "bin" / "python"), "-m", "annual_report"])):
        log = tmp_path / f"{name}.log"
        env = dict(clean_env(), PYTHONPATH=str(tmp_path / "hook"), SPAWN_LOG=str(log))
        done = run([*command, "build", "--jobs", "2", "--out", name], tmp_path, env)
        assert done.returncode == 0, shown(done)
        assert len(set(log.read_text(encoding="utf-8").split())) >= 3  # the command + 2 workers
        got = {p.name: p.read_bytes() for p in (tmp_path / name / "2024").glob("*.docx")}
        assert got.keys() == expected.keys()
        differing = [report for report in sorted(got) if got[report] != expected[report]]
        assert not differing, [_difference(got[r], expected[r], r) for r in differing]


def _difference(spawned: bytes, forked: bytes, report: str) -> str:
    """Where two builds of one report differ: the members, and the text around the first
    difference of each (a report that is not byte-identical must say why)."""
    import io

    with zipfile.ZipFile(io.BytesIO(spawned)) as a, zipfile.ZipFile(io.BytesIO(forked)) as b:
        lines = [report]
        for member in sorted(set(a.namelist()) | set(b.namelist())):
            one = a.read(member) if member in a.namelist() else b""
            two = b.read(member) if member in b.namelist() else b""
            if one != two:
                at = next((i for i, (x, y) in enumerate(zip(one, two, strict=False)) if x != y),
                          min(len(one), len(two)))
                around = slice(max(0, at - 80), at + 80)
                lines.append(f"{member}: spawned {one[around].decode('utf-8', 'replace')!r} "
                             f"forked {two[around].decode('utf-8', 'replace')!r}")
        return "\n".join(lines)
