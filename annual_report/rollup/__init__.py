"""The district's own report: aggregate rows filled with their children's sums, and the summary.

Owns: the sums of an aggregate's children level by level (:mod:`.sums`), the rolled-up copy of the
master with its notes (:mod:`.run`, :mod:`.notes`), the sheet 汇总 with its ratio formulas and
native charts (:mod:`.summary`, :mod:`.charts`) and the cached values written beside its formulas
(:mod:`.cached`). The rules A1–A3 live in :mod:`annual_report.checks.aggregate`, since ``check``
runs them.

May import: :mod:`annual_report.checks`, :mod:`annual_report.workbook`, :mod:`annual_report.format`
and the shared modules.
"""
