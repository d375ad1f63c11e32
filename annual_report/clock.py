"""Times as the office reads them: China Standard Time (UTC+8: one zone, no summer time),
whatever zone the machine's clock is set to. Records keep the moment with the zone it was
written in; everything shown to a user (the status page, 收表记录, messages, the mail's Date)
is this one clock, so that the same moment reads the same everywhere."""

from __future__ import annotations

import datetime as dt

CHINA_TIME = dt.timezone(dt.timedelta(hours=8))


def in_china(moment: dt.datetime) -> dt.datetime:
    """``moment`` on China's clock (a moment without a zone is taken as this machine's time)."""
    return (moment if moment.tzinfo is not None else moment.astimezone()).astimezone(CHINA_TIME)


def shown(moment: dt.datetime | str, seconds: bool = True) -> str:
    """「2025-01-13 09:30:00」 on China's clock; a text that is no ISO time stays as it is."""
    if isinstance(moment, str):
        try:
            when = dt.datetime.fromisoformat(moment.strip())
        except ValueError:
            return moment.replace("T", " ")
    else:
        when = moment
    text = in_china(when).isoformat(sep=" ", timespec="seconds")[:19]
    return text if seconds else text[:16]
