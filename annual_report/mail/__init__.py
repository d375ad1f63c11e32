"""Sending each agency its report by e-mail.

Owns: settings (``send.toml``, :mod:`.settings`), planning what goes to whom (:mod:`.planning`; the
fill-in forms of ``send --forms``: :mod:`.forms_planning`),
the subject and body templates, run in Jinja's sandbox (:mod:`.templates`), composing a message
(:mod:`.message`), the SMTP client (:mod:`.smtp`, with :mod:`.wire`), keeping the password out of
everything shown or written (:mod:`.secrets`), the send log (``output/send-log.jsonl``: attempts
and answers, :mod:`.log`), per-agency results (:mod:`.results`) and the send run (:mod:`.send`).

May import: :mod:`annual_report.report` (the manifest), :mod:`annual_report.forms` (the forms
record), :mod:`annual_report.checks`,
:mod:`annual_report.workbook`, :mod:`annual_report.format` and the shared modules.
"""
