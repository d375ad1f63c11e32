"""Ctrl+C during `send`: a message the server accepted is recorded as sent; one still waiting for
the server's answer is listed as 状态不明; neither is sent again by the next run.

Real signals: SIGINT to the real program (a subprocess) while the server holds its answer back,
and SIGINT raised in this process at the moment the server's acceptance is being recorded.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from test_send_faults import (
    AGENCIES,
    RUN_TIMEOUT,
    copies,
    listed,
    make_office,
    program,
    run,
    write_config,
)

from annual_report.mail.log import LOG_NAME, SendLog
from annual_report.mail.results import AgencyResult, Status
from annual_report.mail.send import send_reports
from annual_report.mail.settings import Security, SendSettings
from smtp_helpers import Server, smtp_server


@pytest.fixture()
def plain(tmp_path: Path) -> Iterator[Server]:
    with smtp_server("plain", tmp_path) as server:
        yield server


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_ctrl_c_while_the_server_holds_its_answer(tmp_path: Path, plain: Server,
                                                  signum: int) -> None:
    """Ctrl+C, a closed terminal (SIGHUP) and kill (SIGTERM) all wind the send down alike."""
    workbook, out = make_office(tmp_path, AGENCIES[:2])
    write_config(tmp_path, plain)
    plain.handler.data_delay = 3.0
    with program(tmp_path, out) as process:
        try:
            assert plain.handler.data_received.wait(RUN_TIMEOUT)
            process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        finally:
            process.kill()
    assert process.returncode == 1, stdout + stderr
    assert "已中断" in stdout and listed(stdout, "状态不明") == {AGENCIES[0]}
    assert listed(stdout, "已中断未发送") == {AGENCIES[1]}
    plain.handler.data_delay = 0
    again = run(tmp_path, out)
    assert listed(again.stdout, "状态不明") == {AGENCIES[0]}
    assert copies(plain) == dict.fromkeys(AGENCIES[:2], 1)  # the held one was kept, once


def test_ctrl_c_as_the_acceptance_is_recorded_counts_it_as_sent(
        tmp_path: Path, plain: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook, out = make_office(tmp_path, AGENCIES[:2])
    settings = SendSettings(host="127.0.0.1", port=plain.port, security=Security.NONE,
                            sender="gov@example.cn", rate=0, retry_wait=0, timeout=10)
    real_append = SendLog.append

    def ctrl_c_while_recording(self: SendLog, record: Mapping[str, Any]) -> None:
        if record.get("type") == "data":  # the server has said 250: a real Ctrl+C right now
            signal.raise_signal(signal.SIGINT)
        real_append(self, record)

    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("raise_signal(SIGINT) is not delivered to Python handlers the same way")
    monkeypatch.setattr(SendLog, "append", ctrl_c_while_recording)  # to time a real signal
    told: list[AgencyResult] = []
    with pytest.raises(KeyboardInterrupt):
        send_reports(workbook, out, settings, on_done=told.append, sleep=lambda s: None)
    monkeypatch.setattr(SendLog, "append", real_append)
    assert [(r.agency, r.status) for r in told] == [(AGENCIES[0], Status.SENT)]
    kinds = [r.get("type") for r in SendLog.load(out / LOG_NAME).records]
    assert kinds == ["attempt", "data", "message"]  # recorded in full before stopping
    again = send_reports(workbook, out, settings, sleep=lambda s: None)
    assert [r.status for r in again.results] == [Status.ALREADY_SENT, Status.SENT]
    assert copies(plain) == dict.fromkeys(AGENCIES[:2], 1)
