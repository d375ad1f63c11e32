"""The files the package ships: the default template and the sample workbooks.

In a checkout they live at the top of the repository (``templates/``, ``input/``); the wheel
carries copies of the same files in ``annual_report/bundled/`` (see pyproject.toml), so an
installed command finds them from any folder.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = "annual_report.docx"
SAMPLE = "master.xlsx"
SAMPLE_PREVIOUS = "master-2023.xlsx"

# Where each file sits in a checkout, relative to the repository root.
_IN_CHECKOUT = {TEMPLATE: "templates", SAMPLE: "input", SAMPLE_PREVIOUS: "input"}
_CHECKOUT = Path(__file__).resolve().parent.parent


def bundled_file(name: str) -> Path:
    """The path of one shipped file: the installed copy, or the checkout's own."""
    from importlib import resources  # not at the top: only a command that needs a file pays

    installed = resources.files(__package__ or "annual_report").joinpath("bundled", name)
    if isinstance(installed, Path) and installed.is_file():
        return installed
    return _CHECKOUT / _IN_CHECKOUT[name] / name
