"""`send` under faults: killed at DATA, two at once, a build in the way, a slow server, a full disk.

Every test runs the real program (``generate.py send`` as a subprocess, killed with SIGKILL where
the test says) against a real SMTP server (aiosmtpd on 127.0.0.1, ``smtp_helpers``) and counts
the copies each agency's address received. The promise: no agency receives a file twice unless
the user asked (``--resend-uncertain``), none is skipped, and a message in doubt is listed
(状态不明), never hidden. Reports are faked as in ``tests/mail``: random bytes where ``build``
would write them and a manifest made from the rows' fingerprints.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from annual_report.errors import OutputError
from annual_report.format.model import FIGURE_FIELDS
from annual_report.mail.log import LOG_NAME, SendLog
from annual_report.mail.settings import SendSettings
from annual_report.outputs import exclusive_folder, safe_stem, sha256_bytes
from annual_report.report.manifest import Entry, Manifest, save_manifest
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from conftest import ROOT
from smtp_helpers import Server, smtp_server

YEAR = 2024
AGENCIES = ["测试区甲局", "测试区乙局", "测试区丙局", "测试区丁局"]
ADDRESS = {name: f"a{i}@example.cn" for i, name in enumerate(AGENCIES)}
SENDER = "gov@example.cn"
RUN_TIMEOUT = 60  # seconds for one run of the program


def make_office(root: Path, agencies: list[str] = AGENCIES) -> tuple[Path, Path]:
    """A workbook and an output folder with faked built reports; (workbook, out)."""
    records: list[dict[str, Any]] = []
    for name in agencies:
        record: dict[str, Any] = {"agency": name, "year": YEAR, "email": ADDRESS[name]}
        record.update({f.key: 0 for f in FIGURE_FIELDS})
        records.append(record)
    workbook = write_workbook(root / "input" / "master.xlsx", records)
    out = root / "output"
    rows = read_workbook(workbook).by_agency()
    manifest = Manifest()
    for name in agencies:
        data = b"PK\x03\x04" + os.urandom(3000)
        docx = out / str(YEAR) / f"{safe_stem(name)}.docx"
        docx.parent.mkdir(parents=True, exist_ok=True)
        docx.write_bytes(data)
        manifest.put(Entry(agency=name, year=YEAR, file=f"{YEAR}/{docx.name}",
                           sha256=sha256_bytes(data), row_sha256=rows[name].fingerprint(),
                           template_sha256="t" * 64, valid=True,
                           built_at="2025-01-20T10:00:00+08:00"))
    save_manifest(out, manifest)
    return workbook, out


def write_config(folder: Path, server: Server, **extra: str) -> None:
    lines = {"smtp": f'"{server.address}"', "security": '"none"', "sender": f'"{SENDER}"',
             "rate": "0", "retry_wait": "0", "timeout": "10", **extra}
    (folder / "send.toml").write_text("".join(f"{k} = {v}\n" for k, v in lines.items()),
                                      encoding="utf-8")


def program(root: Path, out: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "SMTP_PASSWORD"}
    env["COLUMNS"] = "250"
    return subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "send", str(root / "input" / "master.xlsx"),
         "--out", str(out), *args],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def run(root: Path, out: Path, *args: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    process = program(root, out, *args, **popen)
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"send did not finish in {RUN_TIMEOUT} s: {stdout}{stderr}") from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def kill_at_data(root: Path, out: Path, server: Server) -> None:
    """Start a send and kill it (SIGKILL) the moment the server has the message's content."""
    server.handler.data_received.clear()
    with program(root, out) as process:
        try:
            assert server.handler.data_received.wait(RUN_TIMEOUT), "the send never reached DATA"
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        finally:
            process.kill()
    assert process.returncode == -signal.SIGKILL


def copies(server: Server) -> Counter[str]:
    """Messages received per agency (by the recipient address)."""
    found: Counter[str] = Counter()
    for received in server.messages:
        for name, address in ADDRESS.items():
            if address in received.rcpt_tos:
                found[name] += 1
    return found


def listed(output: str, label: str) -> set[str]:
    """Agencies whose row in the result table carries ``label``."""
    return {name for name in AGENCIES for line in output.splitlines()
            if name in line and label in line}


def settle(server: Server, count: int) -> None:
    """Wait (bounded) until the server has handled ``count`` DATA commands."""
    deadline = time.monotonic() + 15
    while server.handler.data_commands < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture()
def plain(tmp_path: Path) -> Iterator[Server]:
    with smtp_server("plain", tmp_path) as server:
        yield server


def test_killed_at_data_never_twice_never_skipped_and_listed(tmp_path: Path,
                                                             plain: Server) -> None:
    first, second, third, fourth = AGENCIES
    workbook, out = make_office(tmp_path)
    write_config(tmp_path, plain)
    plain.handler.data_delay = 1.5  # the final answer is held back: the client waits
    kill_at_data(tmp_path, out, plain)  # killed while the first message waits; server keeps it
    settle(plain, 1)
    plain.handler.keep_held = False
    kill_at_data(tmp_path, out, plain)  # the first is in doubt: the second is the one killed
    settle(plain, 2)
    assert copies(plain) == {first: 1}

    plain.handler.data_delay = 0
    plain.handler.keep_held = True
    done = run(tmp_path, out)
    assert done.returncode == 1, done.stdout + done.stderr  # something is in doubt
    assert listed(done.stdout, "状态不明") == {first, second}
    assert "--resend-uncertain" in done.stdout and "--confirm-uncertain" in done.stdout
    assert listed(done.stdout, "已发送") >= {third, fourth}
    assert copies(plain) == {first: 1, third: 1, fourth: 1}  # none twice; the second is listed

    again = run(tmp_path, out)  # still listed, still not sent by itself
    assert again.returncode == 1 and listed(again.stdout, "状态不明") == {first, second}
    assert copies(plain) == {first: 1, third: 1, fourth: 1}

    resent = run(tmp_path, out, "--resend-uncertain", "--only", second)
    assert resent.returncode == 0, resent.stdout + resent.stderr
    confirmed = run(tmp_path, out, "--confirm-uncertain")
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert copies(plain) == {first: 1, second: 1, third: 1, fourth: 1}
    final = run(tmp_path, out)
    assert final.returncode == 0 and listed(final.stdout, "此前已发送") == set(AGENCIES)
    assert copies(plain) == {first: 1, second: 1, third: 1, fourth: 1}
    ids = [r["message_id"] for r in SendLog.load(out / LOG_NAME).records
           if r.get("type") == "attempt" and r["agency"] == second]
    assert len(ids) == 2 and ids[0] == ids[1]  # the deliberate re-send is the same message
    assert {str(m.message["Message-ID"]) for m in plain.messages
            if ADDRESS[second] in m.rcpt_tos} == {ids[0]}


def test_killed_at_random_moments(tmp_path: Path, plain: Server) -> None:
    workbook, out = make_office(tmp_path)
    write_config(tmp_path, plain)
    plain.handler.data_delay = 0.4
    chance = random.Random(8)
    for _ in range(4):
        with program(tmp_path, out) as process:
            time.sleep(chance.uniform(0.3, 3.0))
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=RUN_TIMEOUT)
    settle(plain, len(plain.messages))
    time.sleep(plain.handler.data_delay + 0.2)  # let a held answer finish on the server
    plain.handler.data_delay = 0
    final = run(tmp_path, out)
    received = copies(plain)
    assert max(received.values(), default=0) <= 1, received
    log = SendLog.load(out / LOG_NAME)
    for name in AGENCIES:
        sha = next(r["sha256"] for r in log.records if r["agency"] == name) \
            if any(r["agency"] == name for r in log.records) else None
        states = log.states(name, "sha256", sha) if sha else {}
        state = states.get(ADDRESS[name])
        assert state is not None, f"{name} skipped: {final.stdout}"
        if state.state == "delivered":
            assert received[name] == 1
        else:  # in doubt: listed, at most one copy out there
            assert state.state == "in_doubt" and name in listed(final.stdout, "状态不明")


def test_two_sends_at_once_and_a_build_in_between(tmp_path: Path, plain: Server) -> None:
    workbook, out = make_office(tmp_path)
    write_config(tmp_path, plain)
    plain.handler.data_delay = 1.0
    plain.handler.data_received.clear()
    with program(tmp_path, out) as first:
        try:
            assert plain.handler.data_received.wait(RUN_TIMEOUT)
            second = run(tmp_path, out)
            build = subprocess.run(
                [sys.executable, str(ROOT / "generate.py"), "build", str(workbook), "--out",
                 str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                check=False)
            stdout, stderr = first.communicate(timeout=RUN_TIMEOUT)
        finally:
            first.kill()
    assert second.returncode == 2 and "另一个 send 或 build 正在使用输出文件夹" in second.stderr
    assert build.returncode == 2 and "正在" in build.stderr, build.stdout + build.stderr
    assert first.returncode == 0, stdout + stderr
    assert copies(plain) == dict.fromkeys(AGENCIES, 1)


def test_a_build_holding_the_folder_stops_send(tmp_path: Path, plain: Server) -> None:
    workbook, out = make_office(tmp_path)
    write_config(tmp_path, plain)
    with exclusive_folder(out, OutputError("busy")):  # what a running build holds
        refused = run(tmp_path, out)
    assert refused.returncode == 2 and "另一个 send 或 build" in refused.stderr
    assert not plain.messages and not (out / LOG_NAME).exists()


def test_a_slow_final_answer_is_awaited_apart_from_the_connect_timeout(
        tmp_path: Path, plain: Server) -> None:
    workbook, out = make_office(tmp_path, AGENCIES[:1])
    write_config(tmp_path, plain, timeout="1", data_timeout="10")
    plain.handler.data_delay = 2.5  # longer than the connect time-out, within data_timeout
    done = run(tmp_path, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert copies(plain) == {AGENCIES[0]: 1} and plain.handler.data_commands == 1
    assert SendSettings().data_timeout == 600  # by default, the 10 minutes of RFC 5321


def test_a_reply_timeout_gives_one_copy_in_doubt_not_several_failed(
        tmp_path: Path, plain: Server) -> None:
    workbook, out = make_office(tmp_path, AGENCIES[:2])
    write_config(tmp_path, plain, timeout="5", data_timeout="1", retries="3")
    plain.handler.data_delay = 2.5  # the server keeps the message after the client gave up
    done = run(tmp_path, out)
    settle(plain, 2)
    time.sleep(1.6)
    assert done.returncode == 1, done.stdout + done.stderr
    assert listed(done.stdout, "状态不明") == set(AGENCIES[:2])
    assert "1 秒内没有确认收下" in done.stdout
    assert copies(plain) == dict.fromkeys(AGENCIES[:2], 1)  # one copy each, no retry
    plain.handler.data_delay = 0
    again = run(tmp_path, out)
    assert again.returncode == 1 and copies(plain) == dict.fromkeys(AGENCIES[:2], 1)


def _limited(size: int) -> Any:
    def limit() -> None:  # in the child: files may not grow past ``size`` bytes (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_full_disk_after_delivery_does_not_resend(tmp_path: Path, plain: Server) -> None:
    first, second = AGENCIES[:2]
    workbook, out = make_office(tmp_path, AGENCIES[:2])
    write_config(tmp_path, plain)
    calibrate = run(tmp_path, out, "--only", first)  # the sizes of a message's log lines
    assert calibrate.returncode == 0, calibrate.stderr
    lines = (out / LOG_NAME).read_bytes().splitlines(keepends=True)
    attempt, data = (len(line) for line in lines[:2])
    assert json.loads(lines[0])["type"] == "attempt" and json.loads(lines[1])["type"] == "data"
    size = (out / LOG_NAME).stat().st_size
    full = run(tmp_path, out, "--only", second, preexec_fn=_limited(size + attempt + data // 2))
    assert copies(plain) == {first: 1, second: 1}  # delivered, but its answer not recorded
    assert full.returncode == 1 and "无法写入发送记录" in full.stdout + full.stderr
    assert listed(full.stdout, "状态不明") == {second}
    again = run(tmp_path, out)
    assert again.returncode == 1 and listed(again.stdout, "状态不明") == {second}
    assert copies(plain) == {first: 1, second: 1}  # not re-sent
