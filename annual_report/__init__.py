"""Produce the 政府信息公开工作年度报告 of many agencies from one master workbook.

The library is usable without the command line: read a workbook with
:func:`annual_report.workbook.rows.read_workbook`, check it with :func:`annual_report.checks.run.check_workbook`,
build reports with :func:`annual_report.report.build.build_reports` and send them with
:func:`annual_report.mail.send.send_reports`.
"""

__version__ = "0.1.0"
