"""Convert DOCX reports to PDF with LibreOffice, in batches, one process per core.

One ``soffice`` call per batch costs far less than one per report. Every process gets its own
profile folder (two instances sharing a profile block each other), a time limit, and writes into a
private folder first; a PDF is moved into place only when it exists and is not empty.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def _split(items: list[Path], parts: int) -> list[list[Path]]:
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def _convert_batch(soffice: str, batch: list[Path], work: Path) -> dict[Path, str | None]:
    """Convert one batch in one soffice process; returns file -> error message or None."""
    results: dict[Path, str | None] = {}
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=work))
    staging = Path(tempfile.mkdtemp(prefix="pdf-", dir=work))
    # The same stem may occur in two year folders: convert each folder's files separately.
    by_stem: dict[str, list[Path]] = {}
    for path in batch:
        by_stem.setdefault(path.stem, []).append(path)
    rounds: list[list[Path]] = []
    while any(by_stem.values()):
        rounds.append([paths.pop(0) for paths in by_stem.values() if paths])
    env = dict(os.environ, HOME=str(profile))
    for files in rounds:
        command = [
            soffice, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(staging),
            *[str(p) for p in files],
        ]
        timeout = SECONDS_BASE + SECONDS_PER_FILE * len(files)
        try:
            completed = subprocess.run(
                command, capture_output=True, timeout=timeout, env=env, check=False
            )
            problem = None if completed.returncode == 0 else (
                f"LibreOffice 退出码 {completed.returncode}："
                f"{completed.stderr.decode('utf-8', 'replace').strip()[:200]}")
        except subprocess.TimeoutExpired:
            problem = f"LibreOffice 超过 {timeout:.0f} 秒没有完成，已中止。"
        for source in files:
            produced = staging / f"{source.stem}.pdf"
            target = source.with_suffix(".pdf")
            if produced.exists() and produced.stat().st_size > 0:
                os.replace(produced, target)
                results[source] = None
            else:
                results[source] = problem or "LibreOffice 没有生成 PDF（文件缺失或为空）。"
    shutil.rmtree(profile, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return results


def convert_to_pdf(files: list[Path], jobs: int | None = None) -> dict[Path, str | None]:
    """Write ``X.pdf`` beside each ``X.docx``; returns each file's error message or None."""
    if not files:
        return {}
    soffice = require_soffice()
    jobs = jobs or os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="annual-report-pdf-"))
    try:
        batches = _split(sorted(files), jobs)
        results: dict[Path, str | None] = {}
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            for part in pool.map(lambda b: _convert_batch(soffice, b, work), batches):
                results.update(part)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)
