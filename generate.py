#!/usr/bin/env python3
"""政府信息公开工作年度报告：批量校验、生成、发送。

The command line lives in :mod:`annual_report.cli`; this script at the repository root runs it
(in the project's .venv when setup.sh had to make one, see :mod:`annual_report.cli.reenter`).
"""

from __future__ import annotations

import os
import sys

from annual_report.cli.reenter import collect_less_often, require

collect_less_often()  # before the imports below (see its docstring)

if __name__ == "__main__":
    require([os.path.abspath(__file__), *sys.argv[1:]])

if __name__ == "__main__":
    from annual_report.cli.readahead import read_ahead

    read_ahead(sys.argv[1:])  # check's workbook is read while the command line loads

from annual_report.cli.app import EXIT_INTERNAL, EXIT_INTERRUPTED, app, main  # noqa: E402

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "app", "main"]

if __name__ == "__main__":
    sys.exit(main())
