"""The password never shows, in any encoding the client sent it in, wherever the program writes.

A careless server (aiosmtpd on 127.0.0.1 with TLS, ``smtp_helpers``) refuses the login by
repeating what the client sent: the base64 of AUTH PLAIN's ``\\0user\\0password`` or of the
password for AUTH LOGIN, their hex and the decoded text. The real program (``generate.py send``)
must print the refusal with every one of those masked, and write none of them to any file.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from annual_report.format.model import FIGURE_FIELDS
from annual_report.mail import secrets
from annual_report.outputs import safe_stem, sha256_bytes
from annual_report.report.manifest import Entry, Manifest, save_manifest
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from conftest import ROOT
from smtp_helpers import USER, smtp_server

PASSWORD = "Echo-Me-9q8w7e!Zx"
AGENCY = "测试区甲局"


def forms(password: str = PASSWORD, user: str = USER) -> dict[str, str]:
    """Every encoding of the password the client puts on the wire, by name."""
    plain = f"\0{user}\0{password}".encode()
    secret = password.encode()
    return {
        "password": password,
        "base64 of the password (LOGIN)": base64.b64encode(secret).decode(),
        "base64 of \\0user\\0password (PLAIN)": base64.b64encode(plain).decode(),
        "hex of the password": secret.hex(),
        "HEX of the password": secret.hex().upper(),
        "hex of \\0user\\0password": plain.hex(),
    }


def leaks(text: str) -> list[str]:
    return [name for name, form in forms().items() if form in text]


def make_office(root: Path) -> Path:
    record = {"agency": AGENCY, "year": 2024, "email": "a@example.cn",
              **{f.key: 0 for f in FIGURE_FIELDS}}
    workbook = write_workbook(root / "input" / "master.xlsx", [record])
    out = root / "output"
    data = b"PK\x03\x04" + os.urandom(1000)
    docx = out / "2024" / f"{safe_stem(AGENCY)}.docx"
    docx.parent.mkdir(parents=True)
    docx.write_bytes(data)
    manifest = Manifest()
    manifest.put(Entry(agency=AGENCY, year=2024, file=f"2024/{docx.name}",
                       sha256=sha256_bytes(data),
                       row_sha256=read_workbook(workbook).by_agency()[AGENCY].fingerprint(),
                       template_sha256="t" * 64, valid=True, built_at="2025-01-20T10:00:00+08:00"))
    save_manifest(out, manifest)
    return out


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_an_echoing_server_gets_nothing_printed_or_written(tmp_path: Path, mechanism: str) -> None:
    out = make_office(tmp_path)
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    with smtp_server("ssl", tmp_path, password="not-this-one", exclude_auth=(other,)) as server:
        server.handler.echo_auth = True
        assert server.certificates is not None
        (tmp_path / "send.toml").write_text(
            f'smtp = "{server.address}"\nsecurity = "ssl"\nuser = "{USER}"\n'
            f'sender = "{USER}"\ncafile = "{server.certificates.ca_file.as_posix()}"\n'
            'rate = 0\nretry_wait = 0\ntimeout = 10\n', encoding="utf-8")
        env = {**os.environ, "SMTP_PASSWORD": PASSWORD, "COLUMNS": "250"}
        done = subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), "send", str(tmp_path / "input" /
                                                                   "master.xlsx"),
             "--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "登录被拒绝" in output and "535 5.7.8 Bad credentials" in output  # the refusal is shown
    assert "you sent ***" in output  # … with what the client sent masked
    assert not leaks(output), leaks(output)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix not in (".pem", ".key"):
            assert not leaks(path.read_bytes().decode("utf-8", "replace")), path
    assert not server.messages


def test_scrub_masks_every_form_and_cut_off_echoes() -> None:
    secrets.forget()
    try:
        text = " ".join(f"[{form}]" for form in forms().values())
        masked = secrets.scrub(text, PASSWORD, USER)
        assert not leaks(masked) and masked.count("***") == len(forms())
        token = forms()["base64 of \\0user\\0password (PLAIN)"]
        cut = secrets.scrub(f"535 echo {token[:-6]}…", PASSWORD, USER)
        assert token[8:-6] not in cut  # a truncated echo is masked too
        assert secrets.scrub(f"账号 {USER} 登录被拒绝", PASSWORD, USER) == f"账号 {USER} 登录被拒绝"
        # what the client sent is remembered: masked even where the password is not known
        sent = "AUTH PLAIN " + base64.b64encode(b"\0someone\0another-secret").decode()
        secrets.remember(None, sent=[sent])
        assert "another-secret" not in secrets.scrub(f"echo {sent.split()[-1]} / another-secret")
    finally:
        secrets.forget()


def test_a_crash_file_holds_no_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from annual_report.cli import app as cli_app

    def crash() -> None:
        raise RuntimeError(f"unexpected: {forms()['base64 of the password (LOGIN)']}")

    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(cli_app, "app", crash)
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cli_app.main() == cli_app.EXIT_INTERNAL
    shown = capsys.readouterr().err
    crash_file = Path(re.search(r"已写入 (\S+?\.txt)", shown.replace("\n", ""))[1])  # type: ignore[index]
    assert crash_file.parent == tmp_path and "RuntimeError" in crash_file.read_text("utf-8")
    assert not leaks(shown) and not leaks(crash_file.read_text("utf-8"))
