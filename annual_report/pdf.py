"""Convert DOCX reports to PDF with LibreOffice, in batches, one process per core.

One ``soffice`` call per batch costs far less than one per report. Every process gets its own
profile folder (two instances sharing a profile block each other), a time limit, and writes into a
private folder first; a PDF is moved into place only when it exists and is not empty.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import ReportError

SOFFICE_NAMES = ("soffice", "libreoffice")
SOFFICE_PATHS = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "C:/Program Files/LibreOffice/program/soffice.exe",
)
SECONDS_PER_FILE = 20.0
SECONDS_BASE = 60.0


class PdfError(ReportError):
    """PDF conversion cannot run at all (no LibreOffice)."""


def find_soffice() -> str | None:
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for candidate in SOFFICE_PATHS:
        if Path(candidate).exists():
            return candidate
    return None


def require_soffice() -> str:
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(
            "未找到 LibreOffice（soffice），无法生成 PDF。请先安装 LibreOffice 和中文字体"
            "（Debian/Ubuntu：apt-get install libreoffice-writer-nogui fonts-noto-cjk；"
            "Windows/macOS：从 LibreOffice 官网安装），或去掉 --pdf 只生成 DOCX。"
        )
    return soffice


BATCH_SIZE = 25  # files per soffice call: amortises its start-up, still reports progress often


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


class _Converter:
    """One soffice worker: its own profile folder (two instances sharing one block each other)."""

    def __init__(self, soffice: str, work: Path) -> None:
        self.soffice = soffice
        self.profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
        self.staging = Path(tempfile.mkdtemp(prefix="pdf-", dir=work))

    def convert(self, files: list[Path]) -> dict[Path, str | None]:
        """Convert one batch in one soffice process; returns file -> error message or None."""
        command = [
            self.soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(self.staging),
            *[str(p) for p in files],
        ]
        timeout = SECONDS_BASE + SECONDS_PER_FILE * len(files)
        env = dict(os.environ, HOME=str(self.profile))
        try:
            completed = subprocess.run(
                command, capture_output=True, timeout=timeout, env=env, check=False
            )
            problem = None if completed.returncode == 0 else (
                f"LibreOffice 退出码 {completed.returncode}："
                f"{completed.stderr.decode('utf-8', 'replace').strip()[:200]}")
        except subprocess.TimeoutExpired:
            problem = f"LibreOffice 超过 {timeout:.0f} 秒没有完成，已中止。"
        results: dict[Path, str | None] = {}
        for source in files:
            produced = self.staging / f"{source.stem}.pdf"
            if produced.exists() and produced.stat().st_size > 0:
                os.replace(produced, source.with_suffix(".pdf"))  # same file system: atomic
                results[source] = None
            else:
                produced.unlink(missing_ok=True)
                results[source] = problem or "LibreOffice 没有生成 PDF（文件缺失或为空）。"
        return results


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
    # Staging inside the output folder keeps the final rename on one file system.
    work = Path(tempfile.mkdtemp(prefix=".pdf-", dir=min(files).parent))
    converters: queue.Queue[_Converter] = queue.Queue()
    for _ in range(min(jobs, len(batches))):
        converters.put(_Converter(soffice, work))

    def run(batch: list[Path]) -> dict[Path, str | None]:
        converter = converters.get()
        try:
            return converter.convert(batch)
        finally:
            converters.put(converter)

    results: dict[Path, str | None] = {}
    try:
        with ThreadPoolExecutor(max_workers=converters.qsize()) as pool:
            for part in pool.map(run, batches):
                results.update(part)
                if progress:
                    progress(len(results), len(files))
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
