"""The per-agency fill-in forms: writing them, reading them back, merging them into the master.

Owns: the form layout shared by writer and reader (:mod:`.layout`), the hidden identity a form
carries (:mod:`.identity`), writing one form (:mod:`.write`, :mod:`.guide`) and issuing forms for
a master workbook with the record ``forms.json`` (:mod:`.issue`), reading a returned form in any
office suite's format (:mod:`.read`, :mod:`.formulas`), finding returns in folders and e-mails
(:mod:`.sources`), and ``collect``: merging returns into the master (:mod:`.collect`) with its
sheet 收表记录 (:mod:`.ledger`).

May import: :mod:`annual_report.checks`, :mod:`annual_report.workbook`,
:mod:`annual_report.format` and the shared modules (errors, outputs, findings).
"""
