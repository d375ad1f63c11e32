"""Where the year's cycle stands: one line per agency, in the terminal and as a static page.

Owns: gathering the status of every agency from what the other steps recorded
(:mod:`.overview`: the master and its 收表记录, the forms record and its send log, the build
manifest and the send log) and the page ``总览.html`` (:mod:`.page`). Reads only.

May import: :mod:`annual_report.mail`, :mod:`annual_report.forms`, :mod:`annual_report.report`,
:mod:`annual_report.checks`, :mod:`annual_report.workbook`, :mod:`annual_report.format` and the
shared modules.
"""
