"""Sending each agency its report by e-mail.

Owns: settings (``send.toml``, :mod:`.settings`), planning what goes to whom (:mod:`.planning`),
composing a message (:mod:`.message`), the SMTP client (:mod:`.smtp`), the send log
(``output/send-log.jsonl``, :mod:`.log`), per-agency results (:mod:`.results`) and the send run
(:mod:`.send`).

May import: :mod:`annual_report.report` (the manifest), :mod:`annual_report.checks`,
:mod:`annual_report.workbook`, :mod:`annual_report.format` and the shared modules.
"""
