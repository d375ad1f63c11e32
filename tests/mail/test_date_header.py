"""The e-mail Date header is in China's time (+08:00), whatever the sending machine's zone is."""

from __future__ import annotations

import datetime as dt
import email
import os
import subprocess
import sys
from email.utils import parsedate_to_datetime

from conftest import ROOT

SCRIPT = """
from annual_report.mail.message import compose
from annual_report.mail.settings import Sender
m = compose(sender=Sender.parse("gov@example.cn"), to=["a@example.cn"], agency="甲局",
            subject="主题", body="正文", attachments=[])
import sys; sys.stdout.buffer.write(m.data)
"""


def test_date_header_is_in_china_time_on_a_utc_machine() -> None:
    env = {**os.environ, "TZ": "UTC", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                          check=True)
    date = email.message_from_bytes(done.stdout)["Date"]
    assert date.endswith("+0800"), date
    sent = parsedate_to_datetime(date)
    assert abs(sent - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)
