"""The reports: from a checked row to a DOCX (and PDF) on disk.

Owns: the template context (:mod:`.context`), the compiled template and its rendering
(:mod:`.render`, :mod:`.docx_parts`, :mod:`.template_vars`,
:mod:`.template_errors`), PDF conversion (:mod:`.pdf`), the manifest of what was built
(:mod:`.manifest`, file ``output/manifest.json``) and the build batch (:mod:`.build`).

May import: :mod:`annual_report.checks`, :mod:`annual_report.workbook`,
:mod:`annual_report.format` and the shared modules.
"""
