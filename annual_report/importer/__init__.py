"""Reports the agencies wrote themselves, read back into master-workbook rows (``import``).

Owns: the neutral document model of paragraphs and cell grids (:mod:`.blocks`), the readers of
DOCX (:mod:`.docx_in`), saved web pages (:mod:`.html_in`) and PDF with a text layer
(:mod:`.pdf_in`), finding the title, the six sections and their texts (:mod:`.sections`), reading
every figure of tables 二, 三, 四 and the fee statement by its labels (:mod:`.tables`,
:mod:`.fees`), and the import run that writes a master workbook with the sheet 导入记录
(:mod:`.run`).

A figure that cannot be read with certainty is left blank and the reason recorded; nothing is
guessed.

May import: :mod:`annual_report.checks`, :mod:`annual_report.workbook`,
:mod:`annual_report.format` and the shared modules.
"""
