"""docxtpl's clean-up of a template part (:meth:`docxtpl.DocxTemplate.patch_xml`), remembered by
the part's text.

Importing docxtpl loads the whole of python-docx (~0.25 s), which a build that renders one
corrected report would otherwise pay every time. The clean-up is a pure function of the part's
XML and of docxtpl's own code, so its result is kept in the cache folder under a digest of both.
What is kept is template text: it is parsed, checked and compiled in the sandbox exactly as a
fresh clean-up would be, so a cache file changed by hand can do no more than a template can.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import io
from pathlib import Path

from ..errors import OutputError
from ..outputs import atomic_write_bytes
from .cachedir import cache_folder


@functools.cache
def _docxtpl_code() -> bytes:
    """docxtpl's template module (where patch_xml lives), without importing it."""
    spec = importlib.util.find_spec("docxtpl")
    if spec is None or spec.origin is None:
        return b""
    try:
        return (Path(spec.origin).parent / "template.py").read_bytes()
    except OSError:
        return b""


def patch_xml(source: str) -> str:
    """``DocxTemplate.patch_xml(source)``, from the cache folder when it was made before."""
    code = _docxtpl_code()
    key = hashlib.sha256(code + b"\0patch_xml\0" + source.encode("utf-8")).hexdigest()
    path = cache_folder() / "template-parts" / f"{key}.xml"
    if code:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return path.read_bytes().decode("utf-8")
    from docxtpl import DocxTemplate  # patch_xml keeps no state of its own

    patched: str = DocxTemplate(io.BytesIO()).patch_xml(source)
    if code:
        with contextlib.suppress(OSError, OutputError):  # no cache folder: no shortcut
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, patched.encode("utf-8"))
    return patched
