"""The small family of fatal errors; each message tells a user what to do."""

from __future__ import annotations


class ReportError(Exception):
    """Base of every fatal problem; ``str(error)`` is a Chinese message a user can act on."""

    exit_code = 2


class InputError(ReportError):
    """The workbook (or another input file) cannot be used at all."""


class TemplateError(ReportError):
    """The DOCX template is unusable or does not fit the data."""


class RenderError(ReportError):
    """One agency's report could not be rendered; fails that agency only."""

    exit_code = 1


class OutputError(ReportError):
    """The output folder or a file in it cannot be written."""


class MailError(ReportError):
    """Sending cannot start (bad server settings, no password, login refused)."""
