"""`build` against hostile files in the output folder: links leading out of it, files that cannot
be read, a mistyped manifest, a full disk, a read-only disk.

Every case is made for real on disk (symbolic links, FIFOs, a directory where a file belongs,
``chmod 000`` with the power to ignore it taken away, a small tmpfs that fills up, a read-only
mount). Each must end with a Chinese message naming the file, exit 2 (never 3), and nothing lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from annual_report.errors import OutputError
from annual_report.format.synthetic import district_records
from annual_report.outputs import AppendFile, atomic_write_bytes, ensure_inside, sha256_file
from annual_report.report.manifest import JOURNAL_DIR
from annual_report.workbook.blank import write_workbook
from conftest import ROOT, invoke_squashed

SAMPLE = ROOT / "input" / "master.xlsx"


invoke = invoke_squashed


def build(out: Path, *args: str, workbook: Path = SAMPLE) -> tuple[int, str]:
    return invoke("build", str(workbook), "--out", str(out), *args)


def run_build(out: Path, *args: str, prefix: tuple[str, ...] = ()) -> tuple[int, str]:
    """`generate.py build` as its own process, bounded in time (a FIFO must not block it)."""
    done = subprocess.run([*prefix, sys.executable, "generate.py", "build", str(SAMPLE), "--out",
                           str(out), *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300"})
    return done.returncode, "".join((done.stdout + done.stderr).split())


def snapshot(folder: Path) -> dict[str, str | None]:
    return {p.relative_to(folder).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    assert build(out)[0] == 0
    return out


@pytest.fixture
def built(sample_out: Path, tmp_path: Path) -> Path:
    """The sample's 35 reports, built (a fresh copy for each test)."""
    return Path(shutil.copytree(sample_out, tmp_path / "out"))


# --- links leading out of the output folder --------------------------------------------------------


def test_a_year_folder_linked_out_receives_nothing(tmp_path: Path) -> None:
    foreign = tmp_path / "别人的文件夹"
    (foreign / ".pdf-abc").mkdir(parents=True)
    (foreign / ".~别人的.tmp").write_bytes(b"theirs")
    out = tmp_path / "out"
    out.mkdir()
    (out / "2024").symlink_to(foreign)
    code, output = build(out)
    assert code == 2, output
    assert f"{out / '2024'}是一个链接" in output and str(foreign) in output
    assert sorted(p.name for p in foreign.iterdir()) == [".pdf-abc", ".~别人的.tmp"]
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize("name", ["manifest.json", JOURNAL_DIR, "2024/西安市阎良区人民政府办公室.docx"])
def test_a_linked_manifest_journal_or_report_is_not_written_through(
    built: Path, tmp_path: Path, name: str
) -> None:
    foreign = tmp_path / "别人的"
    foreign.mkdir()
    (foreign / "x").write_bytes(b"theirs")
    link = built / name
    if link.is_dir():
        shutil.rmtree(link)
    else:
        link.unlink(missing_ok=True)
    link.symlink_to(foreign / "x" if name.endswith((".json", ".docx")) else foreign)
    before = snapshot(built)
    code, output = build(built, "--force")
    assert code == 2, output
    assert f"{link}是一个链接" in output
    assert (foreign / "x").read_bytes() == b"theirs" and [p.name for p in foreign.iterdir()] == ["x"]
    assert snapshot(built) == before


def test_links_that_stay_inside_are_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "各年度" / "2024").mkdir(parents=True)
    (out / "2024").symlink_to(out / "各年度" / "2024")
    code, output = build(out)
    assert code == 0, output
    assert len(list((out / "各年度" / "2024").glob("*.docx"))) == 35


def test_ensure_inside_names_the_link(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "eml").mkdir(parents=True)
    (root / "log.csv").symlink_to(tmp_path / "elsewhere.csv")  # dangling, outside
    (root / "inside").symlink_to(root / "eml")
    assert ensure_inside(root, root / "inside" / "a.eml") == root / "inside" / "a.eml"
    assert ensure_inside(root, root / "还没有" / "a.eml")
    with pytest.raises(OutputError, match="log.csv 是一个链接"):
        ensure_inside(root, root / "log.csv")
    with pytest.raises(OutputError, match="不在输出文件夹"):
        ensure_inside(root, root / ".." / "x")
    linked_root = tmp_path / "link-to-out"
    linked_root.symlink_to(root)  # the user may point --out at a link
    assert ensure_inside(linked_root, linked_root / "eml" / "a.eml")
    with pytest.raises(OutputError, match="链接"):
        atomic_write_bytes(root / "log.csv", b"x", root=root)
    assert not (tmp_path / "elsewhere.csv").exists()


# --- files that cannot be read ---------------------------------------------------------------------


def make_unreadable(path: Path, how: str) -> None:
    path.unlink()
    if how == "folder":
        path.mkdir()
        (path / "里面的文件").write_text("x", encoding="utf-8")
    elif how == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"{}")
        path.chmod(0)


def without_dac_override() -> tuple[str, ...]:
    """A prefix that runs a command as root without the power to ignore file permissions."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop root's CAP_DAC_OVERRIDE")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


@pytest.mark.parametrize("how", ["folder", "fifo", "chmod000"])
@pytest.mark.parametrize("name", ["manifest.json", "2024/西安市阎良区人民政府办公室.docx"])
def test_an_unreadable_manifest_or_report_is_worded(built: Path, name: str, how: str) -> None:
    target = built / name
    make_unreadable(target, how)
    others = {k: v for k, v in snapshot(built).items() if not k.startswith(name)}
    prefix = without_dac_override() if how == "chmod000" else ()
    code, output = run_build(built, prefix=prefix)
    assert code == 2, output
    assert str(target) in output and "Traceback" not in output
    assert {"folder": "是一个文件夹", "fifo": "不是普通文件", "chmod000": "没有权限"}[how] in output
    after = {k: v for k, v in snapshot(built).items() if not k.startswith(name)}
    assert after == others  # nothing else touched


@pytest.mark.parametrize(("change", "words"), [
    (lambda e: e.update(sha256=5), "sha256应为文字"),
    (lambda e: e.update(valid="yes"), "valid应为true或false"),
    (lambda e: e.update(year="2024"), "year应为年份数字"),
    (lambda e: e.update(file="/etc/passwd"), "file应为相对路径"),
    (lambda e: e.update(file="../../etc/passwd"), "file应为相对路径"),
    (lambda e: e.update(pdf="C:/Windows/x.pdf"), "pdf应为相对路径"),
    (lambda e: e.pop("row_sha256"), "缺少字段row_sha256"),
], ids=["sha-number", "valid-text", "year-text", "absolute", "dotdot", "drive", "missing"])
def test_a_mistyped_manifest_is_worded_and_kept(built: Path, change: object, words: str) -> None:
    path = built / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(data["reports"]["2024"]["西安市阎良区人民政府办公室"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = snapshot(built)
    code, output = build(built)
    assert code == 2, output
    assert f"生成记录{path}已损坏" in output and words in output and "西安市阎良区人民政府办公室" in output
    assert snapshot(built) == before


@pytest.mark.parametrize("text", ["[]", "null", '{"reports": []}', '{"reports": {"2024": 1}}',
                                  "{\"reports\": ", "[" * 100_000])
def test_a_manifest_that_is_no_manifest_is_worded(built: Path, text: str) -> None:
    (built / "manifest.json").write_text(text, encoding="utf-8")
    code, output = build(built)
    assert code == 2 and "已损坏" in output, output


def test_a_manifest_saved_with_a_bom_is_read(built: Path) -> None:
    path = built / "manifest.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows Notepad saves it
    code, output = build(built)
    assert code == 0 and "未变化跳过35份" in output, output


# --- a full disk, a read-only disk -----------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def test_a_full_disk_stops_the_build_and_loses_nothing(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "总表.xlsx", district_records(120))
    with tmpfs(tmp_path / "disk", "400k") as disk:
        out = disk / "out"
        code, output = build(out, workbook=workbook)
        assert code == 2, output
        assert "磁盘空间不足" in output and f"无法写入{out}" in output
        assert "重新运行同一命令会接着生成其余的" in output
        written = sorted((out / "2024").glob("*.docx"))
        assert 0 < len(written) < 120
        remount(disk, "size=20m")
        code, output = build(out, workbook=workbook)
        assert code == 0 and "未覆盖" not in output, output
        assert f"未变化跳过{len(written)}份" in output  # the reports written before are kept
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]["2024"]
        assert len(data) == 120
        assert all(sha256_file(out / e["file"]) == e["sha256"] for e in data.values())


def test_a_disk_that_fills_during_a_rebuild_keeps_every_report_whole(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "总表.xlsx", district_records(60))
    changed = write_workbook(tmp_path / "改过的总表.xlsx", district_records(60, seed=7))
    with tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "out"
        assert build(out, workbook=workbook)[0] == 0
        old = snapshot(out)
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as handle:
            handle.write(b"\0" * (1 << 20) * 8)  # the disk is full now
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        os.truncate(filler, filler.stat().st_size - (20_000 - free))  # a few reports still fit
        code, output = build(out, workbook=changed)
        assert code == 2 and "磁盘空间不足" in output and "Traceback" not in output, output
        now = {name: digest for name, digest in snapshot(out).items() if name.endswith(".docx")}
        assert now.keys() == {name for name in old if name.endswith(".docx")}
        rebuilt = [name for name, digest in now.items() if digest != old[name]]
        assert 0 < len(rebuilt) < 60  # stopped in the middle
        for name in rebuilt:  # each report is the old one or a new one, whole
            with zipfile.ZipFile(out / name) as report:
                assert report.testzip() is None
        filler.unlink()
        code, output = build(out, workbook=changed)
        assert code == 0 and "未覆盖" not in output and "手工修改" not in output, output
        assert not (out / JOURNAL_DIR).exists()


def test_a_read_only_disk_is_worded(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "20m") as disk:
        out = disk / "out"
        assert build(out)[0] == 0
        remount(disk, "ro")
        try:
            assert build(out)[0] == 0  # nothing to write: fine
            code, output = build(out, "--force")
            assert code == 2 and "磁盘是只读的" in output and str(out / "2024") in output, output
            # what send --dry-run meets when it writes its .eml files
            with pytest.raises(OutputError, match=f"无法写入 {out / 'eml'}.*只读"):
                atomic_write_bytes(out / "eml" / "a.eml", b"x", root=out)
        finally:
            remount(disk, "rw")


def test_appending_to_a_full_device_is_worded() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    record = AppendFile(Path("/dev/full"))
    with pytest.raises(OutputError, match="无法写入 /dev/full：磁盘空间不足"):
        record.append(b"x" * 100)
    record.close()
