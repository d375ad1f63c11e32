#!/usr/bin/env python3
"""Dump every finding of ``check`` for some workbooks as JSON, or compare two such dumps.

A speed change to the reader or the rules must leave every finding as it was (rule, agency,
cell, severity, message) and every note. Dump before and after, then compare:

    python3 bench/findings.py dump before.json input/master.xlsx bench/out/bench-1000-3000.xlsx
    (change the code)
    python3 bench/findings.py dump after.json input/master.xlsx bench/out/bench-1000-3000.xlsx
    python3 bench/findings.py compare before.json after.json

Run it from the project folder (the folder's own package is the one imported).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def dump(out: Path, workbooks: list[Path]) -> None:
    from annual_report.checks.run import check_workbook
    from annual_report.errors import ReportError

    result: dict[str, object] = {}
    for path in workbooks:
        try:
            report = check_workbook(path)
            result[str(path)] = {"findings": [f.to_dict() for f in report.findings],
                                 "notes": report.notes}
        except ReportError as error:  # an unusable file: its message is the result
            result[str(path)] = {"error": type(error).__name__, "message": str(error)}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(result)} workbooks")


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    differing = 0
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x == y:
            continue
        differing += 1
        print(f"{name} differs:")
        if not (isinstance(x, dict) and isinstance(y, dict)):
            print(f"  {x!r}\n  -> {y!r}")
            continue
        old, new = x.get("findings", []), y.get("findings", [])
        for f in [f for f in old if f not in new][:10]:
            print(f"  - {f['cell']} {f['rule']} {f['message']}")
        for f in [f for f in new if f not in old][:10]:
            print(f"  + {f['cell']} {f['rule']} {f['message']}")
        if x.get("notes") != y.get("notes") or x.get("error") != y.get("error"):
            print(f"  notes/error: {x.get('notes') or x.get('error')!r} -> "
                  f"{y.get('notes') or y.get('error')!r}")
    print(f"{differing} of {len(set(a) | set(b))} workbooks differ")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write the findings of the workbooks as JSON")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("workbooks", type=Path, nargs="+")
    comparing = commands.add_parser("compare", help="list what differs between two dumps")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.workbooks)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
