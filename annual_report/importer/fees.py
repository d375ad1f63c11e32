"""The 信息处理费 statement of section 六: its three figures, read from the sentence as printed.

Only sentences whose meaning is certain are read: 「……发出收费通知的件数和总金额，以及实际收取的
总金额均为0」, 「发出信息处理费收费通知3件，总金额120元，实际收取信息处理费80元」, 「未发出收费通知」
(no notice, so no notice amount), 「未收取信息处理费」 (nothing collected). An amount in 万元 is not
converted but left blank with the reason.
"""

from __future__ import annotations

import re
import unicodedata

from .blocks import Printed, tidy
from .tables import Found

_NUM = r"(\d+(?:\.\d+)?|零)"
_NOTICES = re.compile(r"收费通知(?:书)?(?:的件数|件数)?(?:为|共|合计)?" + _NUM + r"\s*(?:件|份|次)")
_AMOUNT = re.compile(r"(?<!收取的)(?<!收取)(?:收费通知的?|通知)?总金额(?:为|共|合计)?" + _NUM + r"\s*(万)?元")
_COLLECTED = re.compile(r"实际收取(?:的总金额|的金额|信息处理费|费用|金额)?(?:为|共|合计)?" + _NUM + r"\s*(万)?元")
_ALL_ZERO = re.compile(r"件数.*总金额.*实际收取.*均为\s*(?:0|零)")
_NO_NOTICE = re.compile(r"(?:未|没有|无)(?:发出|开具|送达)(?:过)?(?:信息处理费)?收费通知")
_NOT_COLLECTED = re.compile(r"(?:未|没有|不)(?:收取|收缴)(?:任何)?(?:信息处理费|费用)")
KEYS = ("processing_fee.notices", "processing_fee.notice_amount", "processing_fee.collected")


def is_fee_text(text: str) -> bool:
    return "信息处理费" in text or "收费通知" in text


def _value(number: str) -> int | str:
    if number == "零":
        return 0
    return int(number) if "." not in number else number


def read_fees(paragraphs: list[str], found: Found) -> list[int]:
    """Put the fee figures the paragraphs state into ``found``; the indexes of the paragraphs
    that were fee statements."""
    used: list[int] = []
    for index, raw in enumerate(paragraphs):
        if not is_fee_text(raw):
            continue
        text = unicodedata.normalize("NFKC", tidy(raw)).replace(",", "")
        where = f"第六部分「{tidy(raw)[:24]}…」"
        got: dict[str, Printed] = {}
        if _ALL_ZERO.search(text):
            got = {key: Printed(0) for key in KEYS}
        if _NO_NOTICE.search(text):
            got.setdefault(KEYS[0], Printed(0))
            got.setdefault(KEYS[1], Printed(0))
        if _NOT_COLLECTED.search(text):
            got.setdefault(KEYS[2], Printed(0))
        for key, pattern in zip(KEYS, (_NOTICES, _AMOUNT, _COLLECTED), strict=True):
            match = pattern.search(text)
            if match is None or key in got:
                continue
            if match.lastindex and match.lastindex >= 2 and match.group(2):
                found.problems.setdefault(key, f"{where}金额以万元写出，总表以元为单位，未换算，请核对后填写")
                continue
            got[key] = Printed(_value(match.group(1)))
        if got:
            used.append(index)
            found.tables.add("费")
        for key, printed in got.items():
            found.put(key, printed, where)
    return used
