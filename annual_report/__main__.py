"""``python -m annual_report``: the same command line as ``nianbao`` and ``generate.py``."""

from __future__ import annotations

import sys

if __name__ == "__main__":  # a spawned worker imports this module too: it must not run the app
    from .cli.reenter import require

    require(["-m", "annual_report", *sys.argv[1:]])
    from .cli.readahead import main

    sys.exit(main())
