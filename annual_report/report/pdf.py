"""Convert DOCX reports to PDF with LibreOffice, in batches, one process per core.

One ``soffice`` call per batch costs far less than one per report. Every process gets its own
profile folder (two instances sharing a profile block each other), a time limit, and writes into a
private folder first; a PDF is moved into place only when it exists and is not empty.
"""

from __future__ import annotations

import os
import platform
import queue
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PureWindowsPath

from ..errors import ReportError
from ..outputs import PDF_STAGING_PREFIX
from .guarded import Guarded, Running
from .pdf_tables import write_libreoffice_copy

SOFFICE_NAMES = ("soffice", "libreoffice")
SOFFICE_PATHS = (  # where Linux packages and LibreOffice's own .deb/.rpm put it
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/snap/bin/libreoffice",
)
MACOS_APP = "LibreOffice.app/Contents/MacOS/soffice"
SECONDS_PER_FILE = 20.0
SECONDS_BASE = 60.0


class PdfError(ReportError):
    """PDF conversion cannot run at all (no LibreOffice)."""


def soffice_candidates(system: str | None = None,
                       environ: Mapping[str, str] | None = None) -> list[str]:
    """Where the installers of ``system`` (``platform.system()``) put soffice, most likely first."""
    system = system or platform.system()
    environ = os.environ if environ is None else environ
    if system == "Windows":
        roots = [environ.get("ProgramFiles") or r"C:\Program Files",
                 environ.get("ProgramW6432") or r"C:\Program Files",
                 environ.get("ProgramFiles(x86)") or r"C:\Program Files (x86)"]
        if environ.get("LOCALAPPDATA"):  # an installation for this user only
            roots.append(str(PureWindowsPath(environ["LOCALAPPDATA"], "Programs")))
        found = [str(PureWindowsPath(root, "LibreOffice", "program", "soffice.exe")) for root in roots]
        return list(dict.fromkeys(found))
    if system == "Darwin":
        home = environ.get("HOME", "~")
        return [f"/Applications/{MACOS_APP}", f"{home}/Applications/{MACOS_APP}"]
    return [*SOFFICE_PATHS, *sorted(str(p) for p in Path("/opt").glob("libreoffice*/program/soffice"))]


def find_soffice(system: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """LibreOffice's soffice: on the PATH, else where its installer puts it; None when absent."""
    environ = os.environ if environ is None else environ
    for name in SOFFICE_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return found
    for candidate in soffice_candidates(system, environ):
        if Path(candidate).is_file():
            return candidate
    return None


def how_to_install_soffice(system: str | None = None) -> str:
    """What to do on this kind of computer when LibreOffice is missing, in Chinese."""
    system = system or platform.system()
    if system == "Windows":
        return ("请从 LibreOffice 官网 https://zh-cn.libreoffice.org/download/ 下载 Windows 版并安装"
                r"（默认装到 C:\Program Files\LibreOffice，本工具会自动找到），装好后重新运行同一命令")
    if system == "Darwin":
        return ("请从 LibreOffice 官网 https://zh-cn.libreoffice.org/download/ 下载 macOS 版，"
                "把 LibreOffice 拖进“应用程序”文件夹（或 brew install --cask libreoffice），再重新运行")
    return ("请先安装 LibreOffice 和中文字体（在项目文件夹中运行 bash setup.sh --pdf，或 "
            "sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk）")


def require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(f"未找到 LibreOffice（soffice），无法生成 PDF。{how_to_install_soffice()}；"
                       "也可以去掉 --pdf 只生成 DOCX，再用 WPS/Word 另存为 PDF。")
    return soffice


# Files per soffice call: its start-up (about 0.4 s of CPU with a seeded profile, see
# seed_profile) is paid once per batch, and progress is reported per batch (every few seconds
# with two processes). LibreOffice 7.4 stopped after 247 files of one call here, so the batches
# stay well below that.
BATCH_SIZE = 50


def _batches(items: list[Path], jobs: int) -> list[list[Path]]:
    """Batches of at most BATCH_SIZE, at least one per worker, never two equal stems in one."""
    size = max(1, min(BATCH_SIZE, -(-len(items) // jobs)))
    batches: list[list[Path]] = []
    for path in items:
        for batch in batches:
            if len(batch) < size and all(p.stem != path.stem for p in batch):
                batch.append(path)
                break
        else:
            batches.append([path])
    return batches


# The official fonts (仿宋_GB2312, 方正小标宋简体 …) are commercial and often missing on the machine
# that converts. Without help fontconfig falls back to a sans-serif Japanese face for everything;
# these rules pick the closest free Simplified Chinese faces, and only where the font is missing.
OFFICIAL_FONTS = ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体")
_SUBSTITUTES = {
    "Noto Serif CJK SC": ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "宋体", "SimSun",
                          "方正小标宋简体", "方正小标宋_GBK", "华文中宋", "STZhongsong"),
    "Noto Sans CJK SC": ("黑体", "SimHei", "方正黑体_GBK", "微软雅黑", "Microsoft YaHei"),
    "AR PL UKai CN": ("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312", "方正楷体_GBK"),
}
_FALLBACK_AFTER_KAI = "Noto Serif CJK SC"


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file: the system's configuration plus the substitutes above."""
    rules = []
    for substitute, families in _SUBSTITUTES.items():
        extra = f"<family>{_FALLBACK_AFTER_KAI}</family>" if substitute.startswith("AR PL") else ""
        for family in families:
            rules.append(
                f'  <alias binding="same"><family>{family}</family>'
                f"<accept><family>{substitute}</family>{extra}</accept></alias>"
            )
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        + "\n".join(rules) + "\n</fontconfig>\n"
    )
    path = folder / "fonts.conf"
    path.write_text(text, encoding="utf-8")
    return path


def missing_official_fonts() -> list[str]:
    """The official fonts this machine lacks (empty when fontconfig cannot be asked)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True,
                                timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    return [font for font in OFFICIAL_FONTS if font not in families]


# A new profile costs LibreOffice two starts, and each of them a self-test: the first start
# finds no extensions/buildid, cleans its extension cache and restarts itself; every start
# whose profile does not record this version (--convert-to never records it) draws the 109
# GraphicsRenderTests (~1 s of CPU, 4096-pixel bitmaps). Both facts are read from the
# installation and written into the new profile beforehand, so a batch starts once, plainly.
_BUILD_ID = re.compile(rb"^buildid=(\S[^\r\n]*)", re.MULTILINE)
_VERSION = re.compile(rb'oor:name="ooSetupVersion">\s*<value>(\d+\.\d+)</value>')
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" \
oor:op="fuse"><value>{version}</value></prop></item>
</oor:items>
"""


def _first_match(pattern: re.Pattern[bytes], files: list[Path]) -> str | None:
    for path in files:
        try:
            found = pattern.search(path.read_bytes())
        except OSError:
            continue
        if found:
            return found.group(1).decode("ascii", "replace").strip()
    return None


def installation_facts(soffice: str) -> tuple[str | None, str | None]:
    """(version such as "7.4", build id such as "40(Build:2)") of the LibreOffice that
    ``soffice`` starts, read from its own files (Linux, Windows and macOS layouts); None where
    a fact cannot be found, and the profile then lacks it (LibreOffice only starts slower)."""
    program = Path(soffice).resolve().parent  # program/ (Contents/MacOS on macOS)
    resources = program.parent / "Resources"
    build_id = _first_match(_BUILD_ID, [program / "versionrc", program / "version.ini",
                                        resources / "versionrc"])
    version = _first_match(_VERSION, [program.parent / "share" / "registry" / "main.xcd",
                                      resources / "registry" / "main.xcd"])
    return version, build_id


def seed_profile(profile: Path, facts: tuple[str | None, str | None]) -> None:
    """Write into the empty profile folder what LibreOffice's first start would record."""
    version, build_id = facts
    user = profile / "user"
    if build_id:
        (user / "extensions").mkdir(parents=True, exist_ok=True)
        (user / "extensions" / "buildid").write_bytes(build_id.encode("ascii", "replace"))
    if version:
        user.mkdir(parents=True, exist_ok=True)
        (user / "registrymodifications.xcu").write_text(_REGISTRY.format(version=version),
                                                        encoding="utf-8")


class _Converter:
    """One soffice worker: its own profile folder (two instances sharing one block each other)."""

    def __init__(self, soffice: str, work: Path,
                 facts: tuple[str | None, str | None] = (None, None),
                 running: Running | None = None) -> None:
        self.soffice = soffice
        self.running = running
        self.profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
        seed_profile(self.profile, facts)
        self.staging = Path(tempfile.mkdtemp(prefix="pdf-", dir=work))
        self.copies = Path(tempfile.mkdtemp(prefix="docx-", dir=work))
        self.fonts = fontconfig_file(self.profile)

    def _input(self, source: Path) -> Path:
        """What soffice converts for ``source``: the copy with its table merges cut where
        LibreOffice would lay the table out in a loop (see :mod:`.pdf_tables`), else itself."""
        copy = self.copies / source.name
        return copy if write_libreoffice_copy(source, copy) else source.resolve()

    def _write_late(self, source: Path) -> bool:
        """Write the copy of ``source`` under its final name at once (soffice may be about to
        open it: it sees no file or the whole file); False when none could be written."""
        partial = self.copies / f".{source.name}.part"
        if not write_libreoffice_copy(source, partial):
            partial.unlink(missing_ok=True)
            return False
        os.replace(partial, self.copies / source.name)
        return True

    def _command(self, inputs: list[Path]) -> list[str]:
        return [
            self.soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(self.staging),
            *map(str, inputs),
        ]

    def _run(self, inputs: list[Path], late: Sequence[Path] = ()) -> str | None:
        """One soffice process on ``inputs``, then the copies of ``late`` (written while it
        starts: it opens one file at a time, each far slower than a copy is written); the
        problem of the whole run, or None."""
        names = [*inputs, *(self.copies / p.name for p in late)]
        timeout = SECONDS_BASE + SECONDS_PER_FILE * len(names)
        env = dict(os.environ, HOME=str(self.profile), FONTCONFIG_FILE=str(self.fonts))
        try:
            started = Guarded(self._command(names), env, self.running)
            try:
                for source in late:
                    self._write_late(source)
            except BaseException:
                started.stop()
                raise
            completed = started.wait(timeout)
        except subprocess.TimeoutExpired:
            return f"{TIMED_OUT} {timeout:.0f} 秒没有完成，已中止。"
        if completed.returncode == 0:
            return None
        return (f"LibreOffice 退出码 {completed.returncode}："
                f"{completed.stderr.decode('utf-8', 'replace').strip()[:200]}")

    def _take(self, source: Path) -> bool:
        produced = self.staging / f"{source.stem}.pdf"
        if produced.exists() and produced.stat().st_size > 0:
            os.replace(produced, source.with_suffix(".pdf"))  # same file system: atomic
            return True
        produced.unlink(missing_ok=True)
        return False

    def convert(self, files: list[Path]) -> dict[Path, str | None]:
        """Convert one batch in one soffice process; returns file -> error message or None.

        The first copies are written before soffice starts, the rest while it starts. A file
        it did not find (its copy not there in time, or none could be written) is converted
        again in a second process, from its copy or from the file itself."""
        ready, late = files[:AHEAD], files[AHEAD:]
        problem = self._run([self._input(p) for p in ready], late)
        done = {p: self._take(p) for p in files}
        again = [p for p in late if not done[p]]
        if again and not (problem or "").startswith(TIMED_OUT):  # not after a run out of time
            problem = self._run([self._input(p) for p in again])
            done.update({p: self._take(p) for p in again})
        results: dict[Path, str | None] = {}
        for source in files:
            results[source] = None if done[source] else (
                problem or "LibreOffice 没有生成 PDF（文件缺失或为空）。")
            (self.copies / source.name).unlink(missing_ok=True)
        return results


# Copies written before soffice starts: it then opens the first while the rest are written.
AHEAD = 2
TIMED_OUT = "LibreOffice 超过"


def convert_to_pdf(
    files: list[Path],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[Path, str | None]:
    """Write ``X.pdf`` beside each ``X.docx``; returns each file's error message or None."""
    if not files:
        return {}
    soffice = require_soffice()
    jobs = max(1, jobs or os.cpu_count() or 1)
    batches = _batches(sorted(files), jobs)
    # Staging inside the output folder keeps the final rename on one file system; absolute,
    # because the profile is given to soffice as a file URI.
    work = Path(tempfile.mkdtemp(prefix=PDF_STAGING_PREFIX, dir=min(files).parent)).resolve()
    converters: queue.Queue[_Converter] = queue.Queue()
    facts = installation_facts(soffice)
    running = Running()
    for _ in range(min(jobs, len(batches))):
        converters.put(_Converter(soffice, work, facts, running))

    def run(batch: list[Path]) -> dict[Path, str | None]:
        converter = converters.get()
        try:
            return converter.convert(batch)
        finally:
            converters.put(converter)

    results: dict[Path, str | None] = {}
    pool = ThreadPoolExecutor(max_workers=converters.qsize())
    try:
        for part in pool.map(run, batches):
            results.update(part)
            if progress:
                progress(len(results), len(files))
        return results
    except BaseException:  # Ctrl+C, SIGTERM: LibreOffice stops now, not when its batch ends
        pool.shutdown(wait=False, cancel_futures=True)
        running.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(work, ignore_errors=True)
