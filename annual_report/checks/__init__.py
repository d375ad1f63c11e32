"""The consistency checks of a workbook's rows, and how their findings are presented.

Owns: the catalogue of every rule code (:mod:`.catalog`: severity, Chinese title, explanation;
other stages add their codes there), the arithmetic rules R1–R6 and warnings (:mod:`.rules`),
reading the narrative's sentences (:mod:`.sentences`) and the rules that use it, R7 and W3–W5
(:mod:`.narrative`), the check run over a workbook with its JSON report (:mod:`.run`), the order
of findings by cause (:mod:`.causes`) and the annotated copy of the workbook (:mod:`.annotate`).

May import: :mod:`annual_report.workbook`, :mod:`annual_report.format` and the shared modules.
"""
