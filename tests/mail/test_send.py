"""`generate.py send` and :mod:`annual_report.mail.send` / :mod:`annual_report.mail.message`, end to end.

Every sending test talks to a real SMTP server (aiosmtpd on 127.0.0.1, see ``smtp_helpers``):
plain, implicit TLS and STARTTLS with a certificate made by the test. Reports are faked: random
bytes written where ``build`` would write them, and a manifest made from the rows' fingerprints.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annual_report.errors import InputError, MailError
from annual_report.format.model import FIGURE_FIELDS
from annual_report.mail.log import LOG_NAME, SendLog
from annual_report.mail.message import (
    Attachment,
    MessageTemplates,
    Sender,
    compose,
    template_context,
)
from annual_report.mail.planning import plan_sends
from annual_report.mail.results import SendResult, Status
from annual_report.mail.send import send_plan, send_reports
from annual_report.mail.settings import (
    Security,
    SendSettings,
    load_config,
    parse_smtp,
    resolve_settings,
)
from annual_report.mail.smtp import RateLimiter
from annual_report.outputs import safe_stem, sha256_bytes
from annual_report.report.manifest import Entry, Manifest, load_manifest, save_manifest
from annual_report.workbook.blank import write_workbook
from annual_report.workbook.rows import read_workbook
from conftest import ROOT
from generate import app
from smtp_helpers import USER, Certificates, Received, Server, make_certificates, smtp_server

PASSWORD = "S3cret-Pw-7f3a9c!XyZ"
SENDER = "区政府办公室 <gov@example.cn>"
YEAR = 2024

OFFICE = "西安市阎良区人民政府办公室"
EDUCATION = "西安市阎良区教育局"
HEALTH = "西安市阎良区卫生健康局（区疾控中心）"
CIVIL = "西安市阎良区民政局"  # no address
FINANCE = "西安市阎良区财政局"  # not built
JUSTICE = "西安市阎良区司法局"  # built from an older version of its row
WATER = "西安市阎良区水务局"  # invalid address

ADDRESSES = {
    OFFICE: ["office@yanliang.example.cn"],
    EDUCATION: ["jyj@yanliang.example.cn", "jyj.archive@yanliang.example.cn"],
    HEALTH: ["wjj@yanliang.example.cn"],
}
SENDABLE = [OFFICE, EDUCATION, HEALTH]


def record(agency: str, email: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"agency": agency, "year": YEAR}
    if email is not None:
        data["email"] = email
    data.update({f.key: 0 for f in FIGURE_FIELDS})
    return data


def attachment_name(agency: str, suffix: str) -> str:
    return f"{agency}{YEAR}年政府信息公开工作年度报告{suffix}"


@dataclass
class Office:
    """A workbook, an output folder with faked built reports, and their bytes."""

    root: Path
    workbook: Path
    out: Path
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # agency -> suffix -> bytes

    def rebuild(self, agency: str) -> bytes:
        """A corrected report: new bytes, new SHA-256 in the manifest (the row is unchanged)."""
        manifest = load_manifest(self.out)
        entry = manifest.get(agency, YEAR)
        assert entry is not None
        data = b"PK\x03\x04 corrected " + os.urandom(3000)
        entry.path(self.out).write_bytes(data)
        entry.sha256 = sha256_bytes(data)
        save_manifest(self.out, manifest)
        self.files[agency][".docx"] = data
        return data

    def journal(self) -> list[dict[str, Any]]:
        """Every line of the send log: attempts, answers and message records."""
        path = self.out / LOG_NAME
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def log(self) -> list[dict[str, Any]]:
        """The message records (one a message; the attempts and answers are left out)."""
        return [r for r in self.journal() if r.get("type") in (None, "message")]


@pytest.fixture()
def office(tmp_path: Path) -> Office:
    workbook = write_workbook(tmp_path / "input" / "master.xlsx", [
        record(OFFICE, ADDRESSES[OFFICE][0]),
        record(EDUCATION, "；".join(ADDRESSES[EDUCATION])),
        record(HEALTH, ADDRESSES[HEALTH][0]),
        record(CIVIL, None),
        record(FINANCE, "czj@yanliang.example.cn"),
        record(JUSTICE, "sfj@yanliang.example.cn"),
        record(WATER, "水务局邮箱"),
    ])
    out = tmp_path / "output"
    result = Office(tmp_path, workbook, out)
    rows = read_workbook(workbook).by_agency()
    manifest = Manifest()
    for agency in (OFFICE, EDUCATION, HEALTH, CIVIL, JUSTICE, WATER):
        stem = safe_stem(agency)
        data = b"PK\x03\x04" + os.urandom(4000) + "\n.\r\n行首的点\n".encode()
        docx = out / str(YEAR) / f"{stem}.docx"
        docx.parent.mkdir(parents=True, exist_ok=True)
        docx.write_bytes(data)
        result.files[agency] = {".docx": data}
        entry = Entry(
            agency=agency, year=YEAR, file=f"{YEAR}/{stem}.docx", sha256=sha256_bytes(data),
            row_sha256=rows[agency].fingerprint() if agency != JUSTICE else "0" * 64,
            template_sha256="t" * 64, valid=True, built_at="2025-01-20T10:00:00+08:00")
        if agency == OFFICE:
            pdf = b"%PDF-1.7\n" + os.urandom(2000)
            (out / str(YEAR) / f"{stem}.pdf").write_bytes(pdf)
            result.files[agency][".pdf"] = pdf
            entry.pdf, entry.pdf_sha256 = f"{YEAR}/{stem}.pdf", sha256_bytes(pdf)
        manifest.put(entry)
    save_manifest(out, manifest)
    return result


@pytest.fixture()
def certs(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path / "certs")


@pytest.fixture()
def plain(tmp_path: Path) -> Iterator[Server]:
    with smtp_server("plain", tmp_path) as server:
        yield server


def settings_for(server: Server, **changes: Any) -> SendSettings:
    security = {"plain": Security.NONE, "ssl": Security.SSL, "starttls": Security.STARTTLS}
    values: dict[str, Any] = {
        "host": "127.0.0.1", "port": server.port, "security": security[server.mode],
        "sender": SENDER, "rate": 0, "retry_wait": 0, "timeout": 10,
    }
    if server.mode != "plain":
        values["user"] = USER
        values["cafile"] = server.certificates.ca_file if server.certificates else None
    values.update(changes)
    return SendSettings(**values)


def send(office: Office, settings: SendSettings, **kwargs: Any) -> SendResult:
    kwargs.setdefault("sleep", lambda seconds: None)
    return send_reports(office.workbook, office.out, settings, **kwargs)


def by_agency(result: SendResult) -> dict[str, Any]:
    return {r.agency: r for r in result.results}


def attachments(message: Message) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.walk():
        if part.get_content_disposition() == "attachment":
            name = part.get_filename()
            payload = part.get_payload(decode=True)
            assert isinstance(name, str) and isinstance(payload, bytes)
            found[name] = payload
    return found


def body_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    assert "\n" not in text.replace("\r\n", "")  # canonical CRLF line ends (RFC 2045)
    return text.replace("\r\n", "\n")


def to_addresses(message: Message) -> list[str]:
    return [address for _, address in getaddresses([str(message["To"])])]


def check_message(message: EmailMessage, office: Office, agency: str, corrected: bool = False,
                  ) -> None:
    """Recipients, subject, body and attachments of one agency's message."""
    mark = "【更正】" if corrected else ""
    assert message["Subject"] == f"{mark}{agency}{YEAR}年政府信息公开工作年度报告"
    assert to_addresses(message) == ADDRESSES[agency]
    assert "gov@example.cn" in str(message["From"]) and "区政府办公室" in str(message["From"])
    text = body_text(message)
    assert text.startswith(f"{agency}：")
    assert f"{YEAR}年政府信息公开工作年度报告" in text
    assert ("更正" in text) is corrected
    expected = {attachment_name(agency, s): data for s, data in office.files[agency].items()}
    assert attachments(message) == expected
    for name in expected:
        assert name in text


def single(server: Server, agency: str) -> Received:
    found = [m for m in server.messages if agency in str(m.message["Subject"])]
    assert len(found) == 1, f"{agency}: {len(found)} messages"
    return found[0]


# --- composing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "西安市阎良区人民政府办公室2024年政府信息公开工作年度报告.docx",
    "短.pdf",
    "含空格 (1) 与'引号'%和百分号；全角标点（附件）.docx",
    "plain-ascii report.docx",
    "很" * 70 + ".docx",
])
def test_attachment_names_decode_exactly(name: str) -> None:
    sender = Sender.parse(SENDER)
    data = os.urandom(1000) + b"\r\n.\r\n"
    composed = compose(sender=sender, to=["a@example.cn"], agency="某局", subject="主题",
                       body="正文\n", attachments=[Attachment(name, data)])
    assert max(len(line) for line in composed.data.split(b"\r\n")) < 998
    assert b"\n" not in composed.data.replace(b"\r\n", b"")
    for parser_policy in (policy.default, policy.compat32):
        parsed = message_from_bytes(composed.data, policy=parser_policy)
        assert attachments(parsed) == {name: data}
    part = next(p for p in message_from_bytes(composed.data).walk()
                if p.get_content_disposition() == "attachment")
    # the fallback for clients that read only Content-Type's name (older Outlook)
    assert str(make_header(decode_header(str(part.get_param("name"))))) == name
    if not name.isascii():
        assert "filename*" in str(part["Content-Disposition"])


def test_message_is_utf8_and_7bit_on_the_wire() -> None:
    templates = MessageTemplates()
    sender = Sender.parse(SENDER)
    context = template_context(OFFICE, YEAR, corrected=False, attachments=["a.docx"],
                               addresses=["a@example.cn"], sender=sender)
    composed = compose(sender=sender, to=["a@example.cn", "b@example.cn"], agency=OFFICE,
                       subject=templates.subject(context), body=templates.body(context),
                       attachments=[Attachment("a.docx", b"x")])
    assert composed.data.isascii()
    parsed = message_from_bytes(composed.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == f"{OFFICE}{YEAR}年政府信息公开工作年度报告"
    assert to_addresses(parsed) == ["a@example.cn", "b@example.cn"]
    assert body_text(parsed) == templates.body(context).replace("\r\n", "\n")
    assert parsed["Message-ID"].endswith("@example.cn>")
    assert parsed["Bcc"] is None


def test_custom_templates_and_the_correction_mark(tmp_path: Path) -> None:
    subject = tmp_path / "主题.txt"
    body = tmp_path / "正文.txt"
    subject.write_text("请查收：{{ agency }}（{{ year }}）", encoding="utf-8-sig")
    body.write_text("{{ agency }}，附件 {{ attachments|length }} 个。\n{{ sender_name }}",
                    encoding="utf-8")
    templates = MessageTemplates.load(subject, body)
    sender = Sender.parse(SENDER)
    context = template_context(OFFICE, YEAR, corrected=True, attachments=["a", "b"],
                               addresses=[], sender=sender)
    # a custom subject that forgets the correction still says so
    assert templates.subject(context) == f"【更正】请查收：{OFFICE}（{YEAR}）"
    assert templates.body(context) == f"{OFFICE}，附件 2 个。\n区政府办公室\n"


@pytest.mark.parametrize(("text", "message"), [
    ("{{ agncy }}", "未知的变量：agncy"),
    ("{% if corrected %}更正", "语法错误"),
    ("   ", "主题是空的"),
])
def test_bad_subject_templates_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "subject.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MailError, match=message):
        MessageTemplates.load(path, None)


# --- settings -------------------------------------------------------------------------------------


def test_config_file_is_read_and_options_override_it(tmp_path: Path) -> None:
    config = tmp_path / "send.toml"
    config.write_text(
        'smtp = "mail.example.gov.cn:587"\nsecurity = "starttls"\nuser = "gov@example.cn"\n'
        'sender = "区政府办公室 <gov@example.cn>"\ncafile = "ca.pem"\n'
        'bcc = ["archive@example.cn"]\nrate = 10\n', encoding="utf-8")
    settings = resolve_settings({}, config)
    assert (settings.host, settings.port, settings.security) == (
        "mail.example.gov.cn", 587, Security.STARTTLS)
    assert settings.cafile == tmp_path / "ca.pem"
    assert settings.bcc == ("archive@example.cn",)
    assert settings.rate == 10
    settings = resolve_settings({"smtp": "smtp.other.cn", "security": "ssl", "rate": None,
                                 "bcc": None}, config)
    assert (settings.host, settings.effective_port, settings.security) == (
        "smtp.other.cn", 465, Security.SSL)
    assert settings.rate == 10 and settings.bcc == ("archive@example.cn",)


@pytest.mark.parametrize("line", ['password = "x"', 'smtp_password = "x"', '"密码" = "x"',
                                  'Pass = "x"', '密码 = "x"'])
def test_config_file_must_not_hold_a_password(tmp_path: Path, line: str) -> None:
    config = tmp_path / "send.toml"
    config.write_text(f'sender = "gov@example.cn"\n{line}\n', encoding="utf-8")
    with pytest.raises(MailError, match="不能保存密码") as info:
        load_config(config)
    assert '"x"' not in str(info.value)


def test_bad_settings_are_explained(tmp_path: Path) -> None:
    config = tmp_path / "send.toml"
    config.write_text('sendr = "gov@example.cn"\n', encoding="utf-8")
    with pytest.raises(MailError, match="不认识的设置「sendr」"):
        load_config(config)
    config.write_text('sender = gov@example.cn\n', encoding="utf-8")
    with pytest.raises(MailError, match="写法有误"):
        load_config(config)
    with pytest.raises(MailError, match="加密方式「tls」不对"):
        resolve_settings({"security": "tls"})
    with pytest.raises(MailError, match="端口不对"):
        parse_smtp("smtp.example.cn:99999")
    assert parse_smtp("[::1]:2525") == ("::1", 2525)
    with pytest.raises(MailError, match="没有设置发件人"):
        SendSettings(host="x").check(dry_run=True)
    with pytest.raises(MailError, match="没有设置邮件服务器"):
        SendSettings(sender="gov@example.cn").check(dry_run=False)
    with pytest.raises(MailError, match="不是有效的邮箱地址"):
        SendSettings(sender="区政府办公室").check(dry_run=True)


def test_rate_limiter_spaces_messages() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(30, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
        now[0] += 0.5  # the time a message takes
    assert slept == [1.5, 1.5]
    unlimited = RateLimiter(0, clock=lambda: now[0], sleep=sleep)
    unlimited.wait()
    unlimited.wait()
    assert slept == [1.5, 1.5]


def test_send_log_survives_a_cut_off_last_line(tmp_path: Path) -> None:
    path = tmp_path / LOG_NAME
    path.write_text('{"agency": "甲", "sha256": "s", "delivered": ["a@x.cn"]}\n{"agency": "乙',
                    encoding="utf-8")
    log = SendLog.load(path)
    assert log.skipped_tail and log.delivered("甲", "s") == {"a@x.cn": ""}
    log.append({"agency": "丙", "sha256": "t", "delivered": ["c@x.cn"]})
    again = SendLog.load(path)  # the fragment is gone, the new record stands on its own line
    assert not again.skipped_tail
    assert [r["agency"] for r in again.records] == ["甲", "丙"]
    path.write_text('{"agency": "甲"\n{"agency": "乙"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="第 1 行已损坏"):
        SendLog.load(path)


# --- planning and dry run -------------------------------------------------------------------------


def test_a_changed_row_whose_report_was_edited_by_hand_is_told_how_to_rebuild(
        office: Office) -> None:
    """build keeps the hand edit and does not rebuild: "run build" would not help."""
    docx = office.out / str(YEAR) / f"{safe_stem(JUSTICE)}.docx"
    docx.write_bytes(docx.read_bytes() + b" hand edit")
    detail = by_agency(send(office, SendSettings(sender=SENDER), dry_run=True))[JUSTICE].detail
    assert "手工修改" in detail and f'build --force --only "{JUSTICE}"' in detail, detail


def test_dry_run_writes_one_eml_per_agency(office: Office) -> None:
    settings = SendSettings(sender=SENDER, bcc=("archive@example.cn",))
    result = send(office, settings, dry_run=True)
    results = by_agency(result)
    assert {a for a, r in results.items() if r.status is Status.DRY_RUN} == set(SENDABLE)
    assert results[CIVIL].status is Status.NO_EMAIL and "总表!C8" in results[CIVIL].detail
    assert results[FINANCE].status is Status.NOT_BUILT and "build" in results[FINANCE].detail
    assert results[JUSTICE].status is Status.NOT_CURRENT
    assert "报告未更新，请先运行 build" in results[JUSTICE].detail
    assert results[WATER].status is Status.BAD_EMAIL and "水务局邮箱" in results[WATER].detail
    assert [r.agency for r in result.results] == [OFFICE, EDUCATION, HEALTH, CIVIL, FINANCE,
                                                  JUSTICE, WATER]
    assert result.exit_code == 0 and not result.failures
    eml_dir = office.out / "eml"
    assert result.eml_dir == eml_dir
    files = sorted(eml_dir.glob("*.eml"))
    assert len(files) == 3
    for agency in SENDABLE:
        path = results[agency].eml
        assert path is not None and path.parent == eml_dir
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        check_message(message, office, agency)
        assert message["Bcc"] == "archive@example.cn"
    assert not (office.out / LOG_NAME).exists()  # a dry run sends nothing and logs nothing


def test_dry_run_into_a_chosen_folder_replaces_its_own_old_files(office: Office) -> None:
    eml_dir = office.root / "检查"
    settings = SendSettings(sender=SENDER)
    send(office, settings, dry_run=True, eml_dir=eml_dir)
    stale = eml_dir / "已删除的单位.eml"
    stale.write_bytes(b"old")
    result = send(office, settings, dry_run=True, eml_dir=eml_dir, only=[EDUCATION])
    assert [r.agency for r in result.results] == [EDUCATION]
    assert [p.name for p in eml_dir.glob("*.eml")] == [f"{EDUCATION}.eml"]


def test_only_limits_and_unknown_names_are_refused(office: Office) -> None:
    settings = SendSettings(sender=SENDER)
    result = send(office, settings, dry_run=True, only=[HEALTH, CIVIL])
    assert [(r.agency, r.status) for r in result.results] == [
        (HEALTH, Status.DRY_RUN), (CIVIL, Status.NO_EMAIL)]
    with pytest.raises(MailError, match="相近的有：西安市阎良区教育局"):
        send(office, settings, dry_run=True, only=["西安市阎良区教育"])


def test_missing_build_output_folder_is_unusable(office: Office, tmp_path: Path) -> None:
    with pytest.raises(MailError, match="没有生成记录"):
        send_reports(office.workbook, tmp_path / "nowhere", SendSettings(sender=SENDER),
                     dry_run=True)


def test_links_out_of_the_output_folder_are_not_written_through(
        office: Office, plain: Server, tmp_path: Path) -> None:
    foreign = tmp_path / "elsewhere"
    foreign.mkdir()
    target = foreign / "important.txt"
    target.write_text("keep me\n", encoding="utf-8")
    (office.out / LOG_NAME).symlink_to(target)
    with pytest.raises(MailError, match="符号链接"):
        send(office, settings_for(plain))
    assert target.read_text(encoding="utf-8") == "keep me\n" and not plain.messages
    (office.out / LOG_NAME).unlink()
    (foreign / "other.eml").write_bytes(b"not ours")
    (foreign / ".send-dry-run").write_bytes(b"")
    (office.out / "eml").symlink_to(foreign, target_is_directory=True)
    with pytest.raises(MailError, match="符号链接"):
        send(office, SendSettings(sender=SENDER), dry_run=True)
    assert (foreign / "other.eml").read_bytes() == b"not ours"


def test_a_changed_report_file_is_not_current(office: Office) -> None:
    entry = load_manifest(office.out).get(HEALTH, YEAR)
    assert entry is not None
    entry.path(office.out).write_bytes(b"edited by hand")
    result = send(office, SendSettings(sender=SENDER), dry_run=True)
    assert by_agency(result)[HEALTH].status is Status.NOT_CURRENT
    assert "已被改动或删除" in by_agency(result)[HEALTH].detail


def test_a_file_changed_after_planning_is_not_sent_and_what_is_sent_is_what_is_logged(
        office: Office, plain: Server) -> None:
    plan = plan_sends(read_workbook(office.workbook), office.out, settings_for(plain))
    entry = load_manifest(office.out).get(HEALTH, YEAR)
    assert entry is not None
    entry.path(office.out).write_bytes(b"PK\x03\x04 changed after planning")
    result = by_agency(send_plan(plan, sleep=lambda s: None))
    assert result[HEALTH].status is Status.NOT_CURRENT and "被改动" in result[HEALTH].detail
    assert not [m for m in plain.messages if HEALTH in str(m.message["Subject"])]
    assert HEALTH not in {r["agency"] for r in office.journal()}
    for line in office.journal():
        if line.get("type") == "attempt":  # the hashes of the very bytes attached
            received = single(plain, line["agency"]).message
            assert {a["name"]: a["sha256"] for a in line["attached"]} == {
                name: sha256_bytes(data) for name, data in attachments(received).items()}
            assert received["Message-ID"] == line["message_id"]


def test_a_hand_edit_kept_by_build_is_current_and_sent_as_edited(
    office: Office, plain: Server
) -> None:
    manifest = load_manifest(office.out)
    entry = manifest.get(HEALTH, YEAR)
    assert entry is not None
    edited = b"PK\x03\x04 edited by hand " + os.urandom(1000)
    entry.path(office.out).write_bytes(edited)
    entry.edited_sha256 = sha256_bytes(edited)  # what build records when it keeps a hand edit
    save_manifest(office.out, manifest)
    office.files[HEALTH][".docx"] = edited
    result = send(office, settings_for(plain))
    assert by_agency(result)[HEALTH].status is Status.SENT
    check_message(single(plain, HEALTH).message, office, HEALTH)
    assert [r["sha256"] for r in office.log() if r["agency"] == HEALTH] == [sha256_bytes(edited)]
    assert by_agency(send(office, settings_for(plain)))[HEALTH].status is Status.ALREADY_SENT


def test_a_duplicated_agency_is_not_sent(office: Office) -> None:
    rows = [record(OFFICE, ADDRESSES[OFFICE][0]), record(HEALTH, ADDRESSES[HEALTH][0]),
            record(OFFICE, "other@example.cn")]
    write_workbook(office.workbook, rows)
    result = by_agency(send(office, SendSettings(sender=SENDER), dry_run=True))
    assert result[OFFICE].status is Status.INVALID and "重复" in result[OFFICE].detail
    assert result[HEALTH].status is Status.DRY_RUN


# --- sending --------------------------------------------------------------------------------------


def test_send_delivers_every_message_intact_and_only_once(office: Office, plain: Server) -> None:
    settings = settings_for(plain, bcc=("archive@example.cn",))
    result = send(office, settings)
    assert result.exit_code == 0
    results = by_agency(result)
    assert {a for a, r in results.items() if r.status is Status.SENT} == set(SENDABLE)
    assert len(plain.messages) == 3
    for agency in SENDABLE:
        received = single(plain, agency)
        assert received.mail_from == "gov@example.cn"
        assert received.rcpt_tos == [*ADDRESSES[agency], "archive@example.cn"]
        check_message(received.message, office, agency)
        assert received.message["Bcc"] is None  # the archive copy is not shown to the agency
    log = office.log()
    assert [r["agency"] for r in log] == SENDABLE
    for line in log:
        agency = line["agency"]
        assert line["result"] == "sent"
        assert line["addresses"] == ADDRESSES[agency]
        assert line["delivered"] == [*ADDRESSES[agency], "archive@example.cn"]
        assert line["sha256"] == sha256_bytes(office.files[agency][".docx"])
        assert line["answer"].startswith("250 2.0.0 Ok: queued as Q")
        assert line["time"] and line["corrected"] is False
    assert log[0]["pdf_sha256"] == sha256_bytes(office.files[OFFICE][".pdf"])

    again = send(office, settings)  # a re-run sends nothing
    assert len(plain.messages) == 3
    assert {a for a, r in by_agency(again).items() if r.status is Status.ALREADY_SENT} == set(
        SENDABLE)
    assert "不再重复发送" in by_agency(again)[OFFICE].detail
    assert len(office.log()) == 3


def test_a_pdf_made_after_sending_is_sent_alone_once(office: Office, plain: Server) -> None:
    settings = settings_for(plain)
    send(office, settings)
    before = len(plain.messages)
    manifest = load_manifest(office.out)
    entry = manifest.get(HEALTH, YEAR)
    assert entry is not None and entry.pdf is None
    pdf = b"%PDF-1.7\n" + os.urandom(500)
    pdf_path = entry.path(office.out).with_suffix(".pdf")
    pdf_path.write_bytes(pdf)
    entry.pdf, entry.pdf_sha256 = pdf_path.relative_to(office.out).as_posix(), sha256_bytes(pdf)
    save_manifest(office.out, manifest)
    result = by_agency(send(office, settings))
    assert result[HEALTH].status is Status.SENT and "补发 PDF" in result[HEALTH].detail
    assert result[OFFICE].status is Status.ALREADY_SENT
    assert len(plain.messages) == before + 1
    message = plain.messages[-1].message
    assert "【补发PDF】" in str(message["Subject"]) or "补发PDF" in message.get("Subject", "")
    assert list(attachments(message).values()) == [pdf]  # the PDF alone, not the DOCX again
    assert by_agency(send(office, settings))[HEALTH].status is Status.ALREADY_SENT
    assert len(plain.messages) == before + 1


def test_a_corrected_report_is_sent_again_marked(office: Office, plain: Server) -> None:
    settings = settings_for(plain)
    send(office, settings)
    office.rebuild(EDUCATION)
    result = send(office, settings)
    results = by_agency(result)
    assert results[EDUCATION].status is Status.SENT and results[EDUCATION].corrected
    assert results[OFFICE].status is Status.ALREADY_SENT
    assert len(plain.messages) == 4
    check_message(plain.messages[-1].message, office, EDUCATION, corrected=True)
    assert office.log()[-1]["corrected"] is True
    assert len(send(office, settings).failures) == 0
    assert len(plain.messages) == 4


def test_a_report_rebuilt_after_a_message_in_doubt_is_marked_as_a_correction(
        office: Office, plain: Server) -> None:
    plain.handler.drop_once = True  # the first version may or may not have arrived
    assert by_agency(send(office, settings_for(plain), only=[OFFICE]))[OFFICE].status \
        is Status.UNCERTAIN
    office.rebuild(OFFICE)
    result = by_agency(send(office, settings_for(plain), only=[OFFICE]))
    assert result[OFFICE].status is Status.SENT and result[OFFICE].corrected
    check_message(single(plain, OFFICE).message, office, OFFICE, corrected=True)


def test_a_corrected_report_dry_run_shows_the_mark(office: Office, plain: Server) -> None:
    send(office, settings_for(plain))
    office.rebuild(HEALTH)
    result = send(office, settings_for(plain), dry_run=True)
    eml = by_agency(result)[HEALTH].eml
    assert eml is not None
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    check_message(message, office, HEALTH, corrected=True)
    assert [r.agency for r in result.results if r.status is Status.DRY_RUN] == [HEALTH]


def test_a_temporary_failure_is_retried_and_delivered_once(office: Office,
                                                           plain: Server) -> None:
    plain.handler.temp_failures = 2
    slept: list[float] = []
    result = send(office, settings_for(plain, retry_wait=1.5), only=[OFFICE],
                  sleep=slept.append)
    assert result.exit_code == 0
    assert by_agency(result)[OFFICE].attempts == 3
    assert slept == [1.5, 3.0]  # back-off doubles
    single(plain, OFFICE)
    assert plain.handler.data_commands == 3


def test_a_dropped_connection_is_retried(office: Office, plain: Server) -> None:
    plain.handler.drop_at_rcpt_once = True  # before the content: certainly not delivered
    result = send(office, settings_for(plain))
    assert result.exit_code == 0
    for agency in SENDABLE:
        single(plain, agency)
    assert office.log()[0]["attempts"] == 2


def test_a_connection_dropped_after_the_content_is_in_doubt_and_not_retried(
        office: Office, plain: Server) -> None:
    # Changed on purpose (issue 8): the server may have kept a message whose answer was lost.
    plain.handler.drop_once = True
    result = send(office, settings_for(plain))
    results = by_agency(result)
    assert result.exit_code == 1
    assert results[OFFICE].status is Status.UNCERTAIN and results[OFFICE].attempts == 1
    assert "状态不明" in results[OFFICE].detail and "--resend-uncertain" in results[OFFICE].detail
    assert plain.handler.data_commands == 3  # no second try of the message in doubt
    single(plain, EDUCATION)
    single(plain, HEALTH)
    again = by_agency(send(office, settings_for(plain)))
    assert again[OFFICE].status is Status.UNCERTAIN and plain.handler.data_commands == 3
    resent = by_agency(send(office, settings_for(plain), resend_uncertain=True))
    assert resent[OFFICE].status is Status.SENT
    assert resent[EDUCATION].status is Status.ALREADY_SENT
    attempts = [r for r in office.journal() if r.get("type") == "attempt" and r["agency"] == OFFICE]
    assert len(attempts) == 2 and attempts[0]["message_id"] == attempts[1]["message_id"]
    assert single(plain, OFFICE).message["Message-ID"] == attempts[0]["message_id"]
    assert by_agency(send(office, settings_for(plain)))[OFFICE].status is Status.ALREADY_SENT


def test_temporary_failures_give_up_after_the_retries(office: Office, plain: Server) -> None:
    plain.handler.temp_failures = 100
    result = send(office, settings_for(plain, retries=2), only=[OFFICE])
    assert result.exit_code == 1
    failed = by_agency(result)[OFFICE]
    assert failed.status is Status.FAILED and "重试 2 次后仍未成功" in failed.detail
    assert plain.handler.data_commands == 3 and not plain.messages
    assert office.log()[0]["result"] == "failed"


def test_a_refused_recipient_does_not_stop_the_others(office: Office, plain: Server) -> None:
    refused = ADDRESSES[EDUCATION][1]
    plain.handler.refuse[refused] = "550 5.1.1 Mailbox unavailable"
    plain.handler.refuse[ADDRESSES[OFFICE][0]] = "550 5.1.1 No such user"
    result = send(office, settings_for(plain))
    results = by_agency(result)
    assert result.exit_code == 1
    assert results[OFFICE].status is Status.FAILED
    assert "550 5.1.1 No such user" in results[OFFICE].detail
    assert results[EDUCATION].status is Status.PARTIAL
    assert refused in results[EDUCATION].detail and "总表!C6" in results[EDUCATION].detail
    assert results[HEALTH].status is Status.SENT
    assert single(plain, EDUCATION).rcpt_tos == [ADDRESSES[EDUCATION][0]]
    single(plain, HEALTH)
    log = {line["agency"]: line for line in office.log()}
    assert log[EDUCATION]["refused"] == {refused: "550 5.1.1 Mailbox unavailable"}
    assert log[OFFICE]["result"] == "failed" and log[OFFICE]["delivered"] == []

    # once the mailbox works, a re-run delivers only what is missing
    plain.handler.refuse.clear()
    again = send(office, settings_for(plain))
    assert again.exit_code == 0
    assert len(plain.messages) == 4
    assert [m.rcpt_tos for m in plain.messages[2:]] == [ADDRESSES[OFFICE],
                                                          [ADDRESSES[EDUCATION][1]]]
    assert by_agency(again)[HEALTH].status is Status.ALREADY_SENT


def test_an_interrupted_send_resumes_without_duplicates(office: Office, plain: Server) -> None:
    def stop_after_first(result: Any) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        send(office, settings_for(plain), on_done=stop_after_first)
    assert len(plain.messages) == 1 and len(office.log()) == 1
    result = send(office, settings_for(plain))
    assert [r.status for r in result.results[:3]] == [
        Status.ALREADY_SENT, Status.SENT, Status.SENT]
    for agency in SENDABLE:
        single(plain, agency)


def test_rate_limit_spaces_the_messages(office: Office, plain: Server) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    settings = settings_for(plain, rate=6)
    plan = plan_sends(read_workbook(office.workbook), office.out, settings)
    send_plan(plan, sleep=sleep, clock=lambda: now[0])
    assert slept == [10.0, 10.0]
    assert len(plain.messages) == 3


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_tls_with_a_private_ca(office: Office, tmp_path: Path, certs: Certificates,
                               mode: str) -> None:
    with smtp_server(mode, tmp_path, password=PASSWORD, certificates=certs) as server:
        result = send(office, settings_for(server), password=PASSWORD)
        assert result.exit_code == 0
        for agency in SENDABLE:
            received = single(server, agency)
            assert received.authenticated
            check_message(received.message, office, agency)
        assert server.handler.logins == [(USER, True)]  # one connection for all messages


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_an_untrusted_certificate_is_refused(office: Office, tmp_path: Path, mode: str) -> None:
    with smtp_server(mode, tmp_path, password=PASSWORD) as server:
        with pytest.raises(MailError, match="证书校验失败.*--cafile"):
            send(office, settings_for(server, cafile=None), password=PASSWORD)
        assert not server.messages and not server.handler.logins
    assert not office.log()


def test_security_that_does_not_match_the_server(office: Office, plain: Server) -> None:
    with pytest.raises(MailError, match="--security starttls"):
        send(office, settings_for(plain, security=Security.SSL, timeout=5))
    with pytest.raises(MailError, match="不支持 STARTTLS"):
        send(office, settings_for(plain, security=Security.STARTTLS))
    assert not plain.messages


def test_login_required_but_no_user(office: Office, tmp_path: Path, certs: Certificates) -> None:
    with smtp_server("ssl", tmp_path, password=PASSWORD, certificates=certs) as server:
        with pytest.raises(MailError, match="--user"):
            send(office, settings_for(server, user=None))
        assert not server.messages


def test_no_login_in_clear_text_to_another_host(office: Office) -> None:
    settings = SendSettings(host="mail.example.gov.cn", security=Security.NONE, sender=SENDER,
                            user=USER)
    with pytest.raises(MailError, match="明文"):
        send(office, settings, password=PASSWORD)


def test_a_wrong_password_is_not_repeated(office: Office, tmp_path: Path,
                                          certs: Certificates) -> None:
    with smtp_server("ssl", tmp_path, password="the-right-one", certificates=certs) as server:
        server.handler.echo_password = True
        with pytest.raises(MailError, match="登录被拒绝") as info:
            send(office, settings_for(server), password=PASSWORD)
    assert PASSWORD not in str(info.value)
    assert base64.b64encode(PASSWORD.encode()).decode() not in str(info.value)
    assert not server.messages


def test_a_temporary_login_failure_is_worded_for_the_user(
    office: Office, tmp_path: Path, certs: Certificates
) -> None:
    with smtp_server("ssl", tmp_path, password=PASSWORD, certificates=certs) as server:
        server.handler.auth_unavailable = True
        with pytest.raises(MailError, match="暂时无法连接邮件服务器") as info:
            send(office, settings_for(server), password=PASSWORD)
    assert "454" in str(info.value)
    assert "Temporary" not in type(info.value).__name__ and "TemporaryFailure" not in str(info.value)
    assert not server.messages


# --- the command line -----------------------------------------------------------------------------


runner = CliRunner()


def write_config(folder: Path, server: Server, **extra: str) -> Path:
    lines = {
        "smtp": f'"{server.address}"',
        "security": f'"{"none" if server.mode == "plain" else server.mode}"',
        "sender": f'"{SENDER}"',
        "rate": "0",
        "retry_wait": "0",
        "timeout": "10",
    }
    if server.mode != "plain":
        assert server.certificates is not None
        lines["user"] = f'"{USER}"'
        lines["cafile"] = f'"{server.certificates.ca_file.as_posix()}"'
    lines.update(extra)
    path = folder / "send.toml"
    path.write_text("".join(f"{k} = {v}\n" for k, v in lines.items()), encoding="utf-8")
    return path


def cli(office: Office, *args: str, password: str | None = PASSWORD,
        input: str | None = None) -> Any:
    env = {"COLUMNS": "250", "SMTP_PASSWORD": password}
    return runner.invoke(app, ["send", str(office.workbook), "--out", str(office.out), *args],
                         env=env, input=input)


def everything_written(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file()
                    and p.suffix in (".eml", ".jsonl", ".json", ".toml"))


def test_cli_sends_over_ssl_and_never_shows_the_password(
        office: Office, tmp_path: Path, certs: Certificates,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with smtp_server("ssl", tmp_path, password=PASSWORD, certificates=certs) as server:
        write_config(tmp_path, server)
        dry = cli(office, "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert "试运行" in dry.stdout and not server.messages
        done = cli(office)
        assert done.exit_code == 0, done.output
        assert len(server.messages) == 3
        again = cli(office)
        assert again.exit_code == 0 and len(server.messages) == 3
        assert "此前已发送 3" in again.stdout
        wrong = cli(office, password="Not-" + PASSWORD)
        assert wrong.exit_code == 0  # nothing left to send: no login needed
        office.rebuild(OFFICE)
        wrong = cli(office, password="Not-" + PASSWORD)
        assert wrong.exit_code == 2 and "登录被拒绝" in wrong.stderr
    for output in (dry, done, again, wrong):
        assert PASSWORD not in output.stdout + output.stderr
    for agency in SENDABLE:
        assert agency in done.stdout
    assert "已发送 3" in done.stdout and "无邮箱" in done.stdout and "报告未更新" in done.stdout
    assert "send-log.jsonl" in done.stdout
    written = everything_written(tmp_path)
    assert PASSWORD.encode() not in written
    assert base64.b64encode(PASSWORD.encode()) not in written
    assert PASSWORD.encode() not in b"".join(m.data for m in server.messages)


def test_cli_starttls_options_override_the_config_and_failures_exit_1(
        office: Office, tmp_path: Path, certs: Certificates,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with smtp_server("starttls", tmp_path, password=PASSWORD, certificates=certs) as server:
        write_config(tmp_path, server, smtp='"127.0.0.1:1"', security='"ssl"')
        server.handler.refuse[ADDRESSES[HEALTH][0]] = "550 5.1.1 User unknown"
        result = cli(office, "--smtp", server.address, "--security", "starttls",
                     "--cafile", str(certs.ca_file), "--bcc", "archive@example.cn")
        assert result.exit_code == 1, result.output
        assert "发送失败" in result.stdout and "550 5.1.1 User unknown" in result.stdout
        assert len(server.messages) == 2
        assert all("archive@example.cn" in m.rcpt_tos for m in server.messages)


def test_cli_prompts_for_the_password_when_it_is_not_in_the_environment(
        office: Office, tmp_path: Path, certs: Certificates,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    with smtp_server("ssl", tmp_path, password=PASSWORD, certificates=certs) as server:
        write_config(tmp_path, server)
        result = cli(office, "--only", OFFICE, password=None, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 1
        no_input = cli(office, "--only", HEALTH, password=None, input="")
        assert no_input.exit_code == 2 and "SMTP_PASSWORD" in no_input.stderr
        # the real program with the password piped in: no terminal, so no getpass warning
        env = {k: v for k, v in os.environ.items() if k != "SMTP_PASSWORD"}
        piped = subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), "send", str(office.workbook), "--out",
             str(office.out), "--only", EDUCATION], cwd=tmp_path, env=env, input=PASSWORD + "\n",
            capture_output=True, text=True, timeout=120, check=False)
        assert piped.returncode == 0, piped.stderr
        assert "Warning" not in piped.stderr and PASSWORD not in piped.stdout + piped.stderr
        assert len(server.messages) == 2
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize(("args", "config", "message"), [
    ([], 'sender = "gov@example.cn"\n', "没有设置邮件服务器"),
    (["--smtp", "127.0.0.1:25"], "", "没有设置发件人"),
    (["--smtp", "127.0.0.1:25", "--sender", "x@y.cn", "--security", "tls"], "", "加密方式"),
    (["--dry-run"], 'sender = "gov@example.cn"\npassword = "hunter2"\n', "不能保存密码"),
    (["--dry-run", "--only", "没有这个单位"], 'sender = "gov@example.cn"\n', "在总表中找不到"),
    (["--dry-run", "--subject-template", "missing.txt"], 'sender = "gov@example.cn"\n',
     "找不到模板文件"),
])
def test_cli_unusable_settings_exit_2(office: Office, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, args: list[str],
                                      config: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "send.toml").write_text(config, encoding="utf-8")
    result = cli(office, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "hunter2" not in result.stderr


def test_cli_unreadable_workbook_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["send", "missing.xlsx", "--dry-run", "--sender", "a@b.cn"])
    assert result.exit_code == 2 and "找不到文件" in result.stderr


def test_cli_dry_run_lists_what_cannot_be_sent(office: Office, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    eml_dir = tmp_path / "待检查"
    result = cli(office, "--dry-run", "--sender", SENDER, "--eml-dir", str(eml_dir))
    assert result.exit_code == 0, result.output
    assert len(list(eml_dir.glob("*.eml"))) == 3
    for agency in (CIVIL, FINANCE, JUSTICE, WATER):
        assert agency in result.stdout
    for label in ("无邮箱", "未生成报告", "报告未更新", "邮箱有误", "已生成邮件文件 3"):
        assert label in result.stdout
    assert "去掉 --dry-run" in result.stdout


def test_cli_interrupted_send_resumes(office: Office, tmp_path: Path, plain: Server,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import annual_report.mail.send as sending

    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, plain)
    real = sending._send_one
    calls: list[str] = []

    def ctrl_c_on_second(plan: Any, client: Any, item: Any) -> Any:
        calls.append(item.agency)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(plan, client, item)

    monkeypatch.setattr(sending, "_send_one", ctrl_c_on_second)
    stopped = cli(office, password=None)
    assert stopped.exit_code == 1, stopped.output
    assert "已中断" in stopped.stdout and "已中断未发送 2" in stopped.stdout
    assert len(plain.messages) == 1
    monkeypatch.setattr(sending, "_send_one", real)
    resumed = cli(office, password=None)
    assert resumed.exit_code == 0, resumed.output
    assert "已发送 2" in resumed.stdout and "此前已发送 1" in resumed.stdout
    for agency in SENDABLE:
        single(plain, agency)


def test_script_send_help_runs() -> None:
    done = subprocess.run([sys.executable, "generate.py", "send", "--help"], cwd=ROOT,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    for option in ("--smtp", "--security", "--user", "--sender", "--cafile", "--bcc", "--rate",
                   "--dry-run", "--eml-dir", "--subject-template", "--body-template", "--only"):
        assert option in done.stdout


def test_a_row_with_errors_now_is_named_not_sent_to_build(office: Office) -> None:
    rows = [record(OFFICE, ADDRESSES[OFFICE][0]), record(HEALTH, ADDRESSES[HEALTH][0])]
    rows[1]["review.upheld"] = 2  # R4: parts 2, total 0
    write_workbook(office.workbook, rows)
    result = by_agency(send(office, SendSettings(sender=SENDER), dry_run=True))
    assert result[HEALTH].status is Status.INVALID
    assert "总表!" in result[HEALTH].detail and "行政复议" in result[HEALTH].detail


def test_a_non_ascii_password_is_explained(office: Office, tmp_path: Path,
                                           certs: Certificates) -> None:
    with smtp_server("ssl", tmp_path, password="密码", certificates=certs) as server:
        with pytest.raises(MailError, match="中文或全角字符"):
            send(office, settings_for(server), password="密码123")
    assert not server.messages
