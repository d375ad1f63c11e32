"""A template's identity for incremental builds, and reading its bytes (light: a build with
nothing to do reads and hashes the template without loading the renderer)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import TemplateError, os_error_words

RENDERER_VERSION = "1"


def read_template(path: Path) -> bytes:
    """A template file's bytes; :class:`TemplateError` in Chinese when it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TemplateError(f"找不到模板文件 {path}：请检查路径和文件名。") from exc
    except IsADirectoryError as exc:
        raise TemplateError(f"模板 {path} 是一个文件夹，请指定 .docx 模板文件。") from exc
    except OSError as exc:
        raise TemplateError(f"无法读取模板文件 {path}：{os_error_words(exc)}。") from exc


def template_sha256(data: bytes) -> str:
    """The identity of a template for incremental builds: its bytes and the renderer's version."""
    return hashlib.sha256(data + b"\0renderer " + RENDERER_VERSION.encode()).hexdigest()
