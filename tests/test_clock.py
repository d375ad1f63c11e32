"""One clock for everything a user reads: China's (UTC+8), whatever the machine's zone."""

from __future__ import annotations

import datetime as dt

from annual_report.clock import CHINA_TIME, shown


def test_the_same_moment_reads_the_same_in_any_zone() -> None:
    utc = dt.datetime(2026, 12, 3, 11, 58, 7, tzinfo=dt.UTC)
    assert shown(utc) == "2026-12-03 19:58:07"
    assert shown(utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))) == "2026-12-03 19:58:07"
    assert shown("2026-12-03T11:58:07+00:00", seconds=False) == "2026-12-03 19:58"
    assert shown("2026-12-03T19:58:07+08:00") == "2026-12-03 19:58:07"
    assert shown(dt.datetime(2026, 12, 3, 19, 58, tzinfo=CHINA_TIME)) == "2026-12-03 19:58:00"
    assert shown("不是时间") == "不是时间"
