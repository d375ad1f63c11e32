"""Send each agency its built report by e-mail: once, and again only when it was corrected.

The steps, each usable on its own (the command line is a thin layer over them):

* :func:`resolve_settings` — server settings from options and the config file ``send.toml``
  (never a password: that comes from ``SMTP_PASSWORD`` or a prompt, and only as an argument);
* :func:`plan_sends` — for every agency of the workbook, what to send (its current, valid report
  to the addresses that have not had this very file yet) or why nothing is sent;
* :func:`send_plan` — write ``.eml`` files (dry run) or send over SMTP (implicit TLS, STARTTLS or,
  when asked, none) with a rate limit, retries with back-off on temporary failures, permanent
  failures recorded while the others go on, and one JSON line per message in
  ``<out>/send-log.jsonl``;
* :func:`send_reports` — all of it in one call.

The send log is the memory of what was delivered: an address that has accepted a report file
(by its SHA-256) never gets that file again; a rebuilt report (new SHA-256) is sent again to the
agency, marked 【更正】 in the subject.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import difflib
import enum
import ipaddress
import json
import os
import re
import smtplib
import socket
import ssl
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import InputError, MailError, ReportError
from .form import default_title
from .mail import (
    Attachment,
    MessageTemplates,
    Sender,
    compose,
    is_address,
    template_context,
)
from .manifest import Entry, load_manifest, manifest_path
from .outputs import atomic_write_bytes, safe_stem, sha256_file, unique_stems
from .workbook import AgencyRow, Workbook, read_workbook

CONFIG_NAME = "send.toml"
LOG_NAME = "send-log.jsonl"
LOCK_NAME = ".send.lock"
EML_DIR_NAME = "eml"
EML_MARKER = ".send-dry-run"
PASSWORD_ENV = "SMTP_PASSWORD"
DEFAULT_RATE = 20.0


class Security(enum.StrEnum):
    """How the connection is protected."""

    SSL = "ssl"  # implicit TLS, usually port 465
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS, usually port 587
    NONE = "none"  # no encryption: only on request, for a relay inside the office network

    @property
    def default_port(self) -> int:
        return {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}[self]


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendSettings:
    """Everything about the server and the messages except the password."""

    host: str | None = None
    port: int | None = None
    security: Security = Security.SSL
    user: str | None = None
    sender: str | None = None
    cafile: Path | None = None
    bcc: tuple[str, ...] = ()
    rate: float = DEFAULT_RATE  # messages a minute; 0 = no limit
    subject_template: Path | None = None
    body_template: Path | None = None
    timeout: float = 60.0  # seconds for each network operation
    retries: int = 3  # further attempts after a temporary failure
    retry_wait: float = 10.0  # seconds before the first retry; doubled for each further one

    @property
    def effective_port(self) -> int:
        return self.port or self.security.default_port

    @property
    def server(self) -> str:
        return f"{self.host}:{self.effective_port}"

    def check(self, *, dry_run: bool) -> None:
        """Raise :class:`MailError` for settings that cannot work."""
        if not self.sender:
            raise MailError(
                "没有设置发件人：请用 --sender 指定，"
                "或在 send.toml 中写 sender = \"gov@example.cn\"。"
            )
        Sender.parse(self.sender)
        for address in self.bcc:
            if not is_address(address):
                raise MailError(f"归档地址（--bcc）「{address}」不是有效的邮箱地址，请改正。")
        if self.rate < 0:
            raise MailError("--rate 不能为负数：写每分钟最多发送的封数，0 表示不限。")
        if self.retries < 0 or self.retry_wait < 0 or self.timeout <= 0:
            raise MailError("send.toml 中 retries、retry_wait 不能为负数，timeout 必须大于 0。")
        if self.cafile is not None and not self.cafile.is_file():
            raise MailError(f"找不到 CA 证书文件 {self.cafile}（--cafile）。请检查路径。")
        if dry_run:
            return
        if not self.host:
            raise MailError(
                "没有设置邮件服务器：请用 --smtp 主机:端口 指定"
                "（如 --smtp smtp.example.gov.cn:465），"
                "或写在 send.toml 中；只想生成邮件文件检查时请加 --dry-run。"
            )

    def needs_login(self, password: str | None) -> bool:
        return bool(self.user) or password is not None


_CONFIG_KEYS = {
    "smtp": "服务器，如 \"smtp.example.gov.cn:465\"",
    "host": "服务器主机名",
    "port": "端口",
    "security": "ssl、starttls 或 none",
    "user": "登录账号",
    "sender": "发件人",
    "cafile": "CA 证书文件",
    "bcc": "归档地址（可写列表）",
    "rate": "每分钟最多发送封数",
    "subject_template": "主题模板文件",
    "body_template": "正文模板文件",
    "timeout": "网络超时（秒）",
    "retries": "临时失败的重试次数",
    "retry_wait": "第一次重试前等待的秒数",
}
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "密码", "口令", "授权码")


def parse_smtp(text: str) -> tuple[str, int | None]:
    """``host:port``, ``host`` or ``[::1]:465`` -> (host, port or None)."""
    text = text.strip()
    if not text:
        raise MailError("--smtp 不能为空：请写成 主机:端口，如 smtp.example.gov.cn:465。")
    host, port_text = text, ""
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[1:end], text[end + 1:]
        port_text = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailError(
            f"--smtp「{text}」中的端口不对：请写成 主机:端口，如 smtp.example.gov.cn:465。"
        )
    return host, int(port_text)


def _no_password_message(path: Path, key: str) -> str:
    return (f"{path} 中不能保存密码（发现「{key}」）。请删除这一行；密码请放在环境变量 "
            f"{PASSWORD_ENV} 中，或在发送时按提示输入。")


def load_config(path: Path) -> dict[str, Any]:
    """The settings of a ``send.toml`` file (empty when it does not exist)."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MailError(f"{path} 不是 UTF-8 编码。请用记事本“另存为”UTF-8 编码后重试。") from exc
    for line in text.splitlines():  # before parsing, so even a malformed line is caught
        named = re.match(r"""\s*["']?([^"'=]+?)["']?\s*=""", line)
        if named and any(w in named.group(1).lower() for w in _SECRET_WORDS):
            raise MailError(_no_password_message(path, named.group(1).strip()))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MailError(
            f"{path} 的写法有误（{exc}）。每行写成 键 = 值，文字要加英文引号，如 "
            "sender = \"gov@example.cn\"。"
        ) from exc
    secrets = [k for k in data if any(w in k.lower() for w in _SECRET_WORDS)]
    if secrets:
        raise MailError(_no_password_message(path, secrets[0]))
    unknown = [k for k in data if k not in _CONFIG_KEYS]
    if unknown:
        allowed = "、".join(_CONFIG_KEYS)
        raise MailError(f"{path} 中有不认识的设置「{unknown[0]}」。可用的设置有：{allowed}。")
    base = path.parent
    for key in ("cafile", "subject_template", "body_template"):
        if key in data:
            if not isinstance(data[key], str):
                raise MailError(f"{path} 中 {key} 应是文件路径（加英文引号）。")
            data[key] = base / data[key]
    return data


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    result: list[str] = []
    for item in items:
        result += [a for a in str(item).replace("；", ";").replace("，", ",").replace(",", ";")
                   .split(";") if a.strip()]
    return [a.strip() for a in result]


def resolve_settings(options: Mapping[str, Any], config_file: Path | None = None) -> SendSettings:
    """Settings from the config file, overridden by the options that were given (not None).

    Option keys are the field names of :class:`SendSettings` plus ``smtp`` (``host:port``).
    """
    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(load_config(config_file))
    given = {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
    if "password" in given:
        raise MailError(
            f"密码不能作为参数传入；请放在环境变量 {PASSWORD_ENV} 中，或在发送时按提示输入。"
        )
    if "smtp" in given:
        merged.pop("host", None)
        merged.pop("port", None)
    merged.update(given)
    if "smtp" in merged:
        smtp = merged.pop("smtp")
        if not isinstance(smtp, str):
            raise MailError("smtp 应写成 \"主机:端口\"（加英文引号）。")
        host, port = parse_smtp(smtp)
        merged["host"] = host
        if port is not None:
            merged["port"] = port
    kwargs: dict[str, Any] = {}
    try:
        if "host" in merged:
            kwargs["host"] = str(merged["host"]).strip() or None
        if "port" in merged:
            kwargs["port"] = int(merged["port"])
        if "security" in merged:
            kwargs["security"] = Security(str(merged["security"]).strip().lower())
        for key in ("user", "sender"):
            if key in merged:
                kwargs[key] = str(merged[key]).strip() or None
        for key in ("cafile", "subject_template", "body_template"):
            if key in merged:
                kwargs[key] = Path(merged[key])
        if "bcc" in merged:
            kwargs["bcc"] = tuple(_as_list(merged["bcc"]))
        for key in ("rate", "timeout", "retry_wait"):
            if key in merged:
                kwargs[key] = float(merged[key])
        if "retries" in merged:
            kwargs["retries"] = int(merged["retries"])
    except ValueError as exc:
        if "security" in merged and not isinstance(kwargs.get("security"), Security):
            raise MailError(
                f"加密方式「{merged['security']}」不对：只能是 ssl（465 端口）、"
                "starttls（587 端口）或 none（不加密，仅限内网）。"
            ) from exc
        raise MailError(
            f"设置的数值不对（{exc}）：port、rate、timeout、retries、retry_wait 须为数字。"
        ) from exc
    return SendSettings(**kwargs)


# --- the send log ---------------------------------------------------------------------------------


@dataclass
class SendLog:
    """``<out>/send-log.jsonl``: one JSON object a line, one line a message (or failed attempt)."""

    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped_tail: bool = False  # the last line was cut off (the program was stopped mid-write)

    @classmethod
    def load(cls, path: Path) -> SendLog:
        log = cls(path)
        if not path.exists():
            return log
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"无法读取发送记录 {path}：{exc}。请检查该文件。") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                if number == len(lines):
                    log.skipped_tail = True
                    continue
                raise InputError(
                    f"发送记录 {path} 第 {number} 行已损坏。请用记事本打开修正或删除这一行"
                    "（删除后，该行记录的邮件可能会再发一次）。"
                ) from exc
            log.records.append(record)
        return log

    def _successes(self, agency: str) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if record.get("agency") == agency and record.get("delivered"):
                yield record

    def delivered(self, agency: str, sha256: str) -> dict[str, str]:
        """Address (lower case) -> time of each delivery of this very file to the agency."""
        found: dict[str, str] = {}
        for record in self._successes(agency):
            if record.get("sha256") == sha256:
                for address in record.get("delivered", []):
                    found.setdefault(str(address).lower(), str(record.get("time", "")))
        return found

    def earlier_version_sent(self, agency: str, year: int | None, sha256: str) -> bool:
        """A different report file of the same agency and year was delivered before."""
        return any(
            r.get("sha256") != sha256 and (year is None or r.get("year") in (year, None))
            for r in self._successes(agency)
        )

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one line and make it durable before the next message goes out."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise MailError(
                f"无法写入发送记录 {self.path}：{exc.strerror or exc}。为避免重复发送，已停止；"
                "请检查磁盘空间和文件夹权限后重新运行 send。"
            ) from exc
        self.records.append(dict(record))


# --- the plan -------------------------------------------------------------------------------------


class Status(enum.StrEnum):
    """What happened to one agency."""

    SENT = "sent"
    PARTIAL = "partial"  # some addresses accepted it, others refused it
    FAILED = "failed"
    DRY_RUN = "dry_run"
    ALREADY_SENT = "already_sent"
    NO_EMAIL = "no_email"
    BAD_EMAIL = "bad_email"
    NOT_BUILT = "not_built"
    NOT_CURRENT = "not_current"
    INVALID = "invalid"
    INTERRUPTED = "interrupted"  # the run was stopped before this agency's turn

    @property
    def label(self) -> str:
        return {
            Status.SENT: "已发送",
            Status.PARTIAL: "部分失败",
            Status.FAILED: "发送失败",
            Status.DRY_RUN: "已生成邮件文件",
            Status.ALREADY_SENT: "此前已发送",
            Status.NO_EMAIL: "无邮箱",
            Status.BAD_EMAIL: "邮箱有误",
            Status.NOT_BUILT: "未生成报告",
            Status.NOT_CURRENT: "报告未更新",
            Status.INVALID: "数据有错误",
            Status.INTERRUPTED: "已中断未发送",
        }[self]

    @property
    def is_failure(self) -> bool:
        return self in (Status.FAILED, Status.PARTIAL)

    @property
    def is_problem(self) -> bool:
        """Nothing was sent because of something the office has to fix first."""
        return self in (Status.NO_EMAIL, Status.BAD_EMAIL, Status.NOT_BUILT, Status.NOT_CURRENT,
                        Status.INVALID)


@dataclass
class AgencyResult:
    agency: str
    status: Status
    addresses: tuple[str, ...] = ()
    detail: str = ""
    corrected: bool = False
    file: str | None = None
    eml: Path | None = None
    answer: str = ""
    attempts: int = 0


@dataclass
class Outgoing:
    """One message to send: an agency's current report to the addresses that lack it."""

    agency: str
    year: int | None
    email_cell: str
    addresses: tuple[str, ...]  # all of the agency's addresses (the To header)
    pending: tuple[str, ...]  # those that have not had this file yet (the envelope)
    bcc: tuple[str, ...]  # archive addresses that have not had this file yet
    entry: Entry
    corrected: bool
    attachments: tuple[tuple[Path, str], ...]  # (file, name shown to the recipient)


@dataclass
class Plan:
    out: Path
    settings: SendSettings
    sender: Sender
    templates: MessageTemplates
    log: SendLog
    outgoing: list[Outgoing]
    results: list[AgencyResult]  # agencies with nothing to send, with the reason
    order: list[str]  # agencies in workbook order, for the summary


def interrupted_result(plan: Plan, finished: Sequence[AgencyResult], *, dry_run: bool,
                       eml_dir: Path | None = None) -> SendResult:
    """The result of a run stopped (Ctrl+C) after ``finished``: the rest are marked."""
    done = {r.agency: r for r in [*plan.results, *finished]}
    for item in plan.outgoing:
        done.setdefault(item.agency, AgencyResult(
            item.agency, Status.INTERRUPTED, item.pending,
            "发送被中断，尚未发送；重新运行 send 会继续发送", item.corrected, item.entry.file))
    return SendResult([done[n] for n in plan.order if n in done], dry_run, plan.log.path,
                      eml_dir)


def _unique(addresses: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return tuple(result)


def _select(workbook: Workbook, only: Sequence[str] | None) -> list[AgencyRow]:
    rows: list[AgencyRow] = []
    seen: set[str] = set()
    for row in workbook.rows:  # the first row of a duplicated name (the duplicate is an error)
        if row.agency not in seen:
            seen.add(row.agency)
            rows.append(row)
    if not only:
        return rows
    names = [r.agency for r in rows]
    wanted = [n.strip() for n in only]
    for name in wanted:
        if name not in names:
            near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            hint = (f"相近的有：{'、'.join(near)}。" if near
                    else "请写机关全称，与总表「机关全称」列一致。")
            raise MailError(f"--only「{name}」在总表中找不到。{hint}")
    return [r for r in rows if r.agency in wanted]


def _report_problem(row: AgencyRow, entry: Entry | None, out: Path) -> tuple[Status, str] | None:
    if entry is None:
        return Status.NOT_BUILT, "尚未生成报告，请先运行 build"
    if row.has_errors or not entry.valid:
        return Status.INVALID, "该单位数据有错误，报告不能发送；请改正总表后重新运行 build"
    if entry.row_sha256 != row.fingerprint():
        return Status.NOT_CURRENT, "报告未更新，请先运行 build（总表中该单位的数据已改动）"
    if not entry.file_intact(out):
        return Status.NOT_CURRENT, (
            f"报告未更新，请先运行 build（{entry.file} 已被改动或删除）"
        )
    pdf = entry.pdf_path(out)
    if pdf is not None and sha256_file(pdf) != entry.pdf_sha256:
        return Status.NOT_CURRENT, (
            f"报告未更新，请先运行 build --pdf（{entry.pdf} 已被改动或删除）"
        )
    return None


def _email_problem(row: AgencyRow) -> tuple[Status, str] | None:
    cell = row.cell("email")
    addresses = row.values.get("email")
    if addresses is None:
        raw = row.raw.get("email")
        if raw is None or str(raw).strip() == "":
            return Status.NO_EMAIL, f"未填联系邮箱，请在 {cell} 填写"
        return Status.BAD_EMAIL, f"联系邮箱「{str(raw).strip()}」有误，请改正 {cell}"
    bad = [a for a in addresses if not is_address(a)]
    if bad or not addresses:
        shown = bad[0] if bad else ""
        return Status.BAD_EMAIL, (
            f"联系邮箱「{shown}」含中文、全角或其他邮件服务器不接受的字符，请改正 {cell}"
        )
    return None


def _attachments(entry: Entry, out: Path, agency: str, year: int | None) -> tuple[
        tuple[Path, str], ...]:
    stem = safe_stem(default_title(agency, year if year is not None else ""))
    files = [(entry.path(out), stem + Path(entry.file).suffix.lower())]
    pdf = entry.pdf_path(out)
    if pdf is not None and entry.pdf:
        files.append((pdf, stem + Path(entry.pdf).suffix.lower()))
    return tuple(files)


def plan_sends(workbook: Workbook, out: Path, settings: SendSettings, *,
               only: Sequence[str] | None = None) -> Plan:
    """Decide, for every agency (or those named in ``only``), what to send or why not."""
    if not manifest_path(out).exists():
        raise MailError(
            f"输出文件夹 {out} 中没有生成记录（{manifest_path(out).name}）。"
            "请先运行 build 生成报告；"
            "如果报告生成在别的文件夹，请用 --out 指定。"
        )
    settings.check(dry_run=True)
    sender = Sender.parse(settings.sender or "")
    templates = MessageTemplates.load(settings.subject_template, settings.body_template)
    manifest = load_manifest(out)
    log = SendLog.load(out / LOG_NAME)
    rows = _select(workbook, only)
    outgoing: list[Outgoing] = []
    results: list[AgencyResult] = []
    for row in rows:
        entry = manifest.entries.get(row.agency)
        problems = [p for p in (_email_problem(row), _report_problem(row, entry, out)) if p]
        addresses = _unique(row.values.get("email") or [])
        if problems:
            results.append(AgencyResult(
                row.agency, problems[0][0], addresses, "；".join(d for _, d in problems),
                file=entry.file if entry else None))
            continue
        assert entry is not None
        delivered = log.delivered(row.agency, entry.sha256)
        pending = tuple(a for a in addresses if a.lower() not in delivered)
        if not pending:
            when = min(delivered[a.lower()] for a in addresses)
            results.append(AgencyResult(
                row.agency, Status.ALREADY_SENT, addresses,
                f"这份报告已于 {when.replace('T', ' ')[:16]} 发送，不再重复发送", file=entry.file))
            continue
        year = entry.year if entry.year is not None else row.year
        outgoing.append(Outgoing(
            agency=row.agency,
            year=year,
            email_cell=row.cell("email"),
            addresses=addresses,
            pending=pending,
            bcc=tuple(b for b in _unique(settings.bcc) if b.lower() not in delivered
                      and b.lower() not in {a.lower() for a in addresses}),
            entry=entry,
            corrected=log.earlier_version_sent(row.agency, year, entry.sha256),
            attachments=_attachments(entry, out, row.agency, year),
        ))
    return Plan(out, settings, sender, templates, log, outgoing, results, [r.agency for r in rows])


# --- results --------------------------------------------------------------------------------------


@dataclass
class SendResult:
    """What a run did for each agency, in workbook order."""

    results: list[AgencyResult]
    dry_run: bool
    log_path: Path
    eml_dir: Path | None = None
    aborted: str | None = None  # why sending stopped early (the rest are marked failed)

    @property
    def failures(self) -> list[AgencyResult]:
        return [r for r in self.results if r.status.is_failure]

    @property
    def problems(self) -> list[AgencyResult]:
        return [r for r in self.results if r.status.is_problem]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def counts(self) -> dict[Status, int]:
        counts: dict[Status, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "log": str(self.log_path),
            "eml_dir": str(self.eml_dir) if self.eml_dir else None,
            "aborted": self.aborted,
            "agencies": [
                {"agency": r.agency, "status": r.status.value, "addresses": list(r.addresses),
                 "detail": r.detail, "corrected": r.corrected, "file": r.file,
                 "eml": str(r.eml) if r.eml else None, "answer": r.answer,
                 "attempts": r.attempts}
                for r in self.results
            ],
        }


# --- SMTP -----------------------------------------------------------------------------------------


class _Temporary(Exception):
    """A failure worth another try (4xx answer, dropped connection, time-out)."""


def scrub(text: str, password: str | None) -> str:
    """``text`` without the password in any form it could take on the wire."""
    if not password:
        return text
    forms = {password, base64.b64encode(password.encode("utf-8")).decode("ascii")}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """At most ``per_minute`` starts a minute (0: no limit)."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            delay = self._last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()


@dataclass
class Delivery:
    """The outcome of one message: who has it, who refused it (with the server's answer)."""

    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    answer: str = ""
    attempts: int = 0


@dataclass
class _Transaction:
    stage: str  # "mail", "rcpt" (no recipient accepted) or "data"
    code: int  # the final answer (DATA), or the answer that ended the transaction
    answer: str
    accepted: list[str]
    refused: dict[str, tuple[int, str]]


class SmtpClient:
    """One SMTP connection, opened when first needed and again after it was dropped."""

    def __init__(self, settings: SendSettings, password: str | None, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._password = password
        self.sleep = sleep
        self.limiter = RateLimiter(settings.rate, clock=clock, sleep=sleep)
        self._smtp: smtplib.SMTP | None = None
        self.user: str | None = None
        if settings.needs_login(password):
            self.user = settings.user or (Sender.parse(settings.sender).address
                                          if settings.sender else None)
            if password is None:
                raise MailError(
                    f"登录账号 {self.user} 需要密码：请设置环境变量 {PASSWORD_ENV}，"
                    "或在提示时输入。"
                )
            if settings.security is Security.NONE and not _is_loopback(settings.host or ""):
                raise MailError(
                    "不加密（--security none）时不能登录：密码会以明文在网络上传输。"
                    "请改用 --security ssl（465 端口）或 --security starttls（587 端口）。"
                )

    def __repr__(self) -> str:  # never show the password
        return f"SmtpClient({self.settings.server}, user={self.user!r})"

    # -- connection --

    def _context(self) -> ssl.SSLContext:
        cafile = str(self.settings.cafile) if self.settings.cafile else None
        return ssl.create_default_context(cafile=cafile)

    def _scrub(self, text: str) -> str:
        return scrub(text, self._password)

    def connect(self) -> None:
        """Open and log in; :class:`MailError` for what retrying cannot fix, else _Temporary."""
        if self._smtp is not None:
            return
        s = self.settings
        host, port = s.host or "", s.effective_port
        smtp: smtplib.SMTP | None = None
        try:
            if s.security is Security.SSL:
                smtp = smtplib.SMTP_SSL(host, port, timeout=s.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=s.timeout)
            smtp.ehlo()
            if s.security is Security.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"服务器 {s.server} 不支持 STARTTLS。请确认端口（STARTTLS 一般为 587），"
                        "或改用 --security ssl（465 端口）。"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.user is not None:
                self._login(smtp)
        except MailError:
            _close(smtp)
            raise
        except Exception as exc:
            _close(smtp)
            raise self._connect_error(exc) from None
        except BaseException:
            _close(smtp)
            raise
        self._smtp = smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        assert self.user is not None and self._password is not None
        try:
            smtp.login(self.user, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(self._scrub(
                f"登录被拒绝（{_answer(exc.smtp_code, exc.smtp_error)}）：请检查账号 {self.user}"
                f"（--user）和密码（环境变量 {PASSWORD_ENV}）；"
                "有的邮箱要用“客户端授权码”代替登录密码。"
            )) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"服务器 {self.settings.server} 不提供登录（AUTH）。如果该服务器无需登录，"
                f"请去掉 --user 并清除环境变量 {PASSWORD_ENV}。"
            ) from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(self._scrub(_answer(exc.smtp_code, exc.smtp_error))) from None
            raise MailError(self._scrub(
                f"登录失败（{_answer(exc.smtp_code, exc.smtp_error)}）：请检查账号和密码。"
            )) from None
        except smtplib.SMTPException as exc:  # "No suitable authentication method found."
            raise MailError(self._scrub(
                f"无法登录服务器 {self.settings.server}（{exc}）。请确认加密方式和端口。"
            )) from None

    def _connect_error(self, exc: Exception) -> Exception:
        s = self.settings
        where = s.server
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MailError(
                f"服务器 {where} 的证书校验失败（{exc.verify_message or exc.reason}）。"
                "请确认服务器地址写的是证书上的名称；如果单位使用内部 CA 签发的证书，"
                "请用 --cafile 指定该 CA 证书文件。"
            )
        if isinstance(exc, ssl.SSLError):
            hint = ("该端口可能不是 SSL 端口：465 端口用 --security ssl，587 端口用 "
                    "--security starttls。" if s.security is Security.SSL else
                    "请确认加密方式与端口匹配。")
            return MailError(f"与服务器 {where} 建立加密连接失败（{exc.reason or exc}）。{hint}")
        if isinstance(exc, socket.gaierror):
            return MailError(f"找不到邮件服务器 {s.host}：请检查 --smtp 中的服务器地址和网络。")
        if isinstance(exc, ConnectionRefusedError):
            return MailError(
                f"无法连接 {where}（连接被拒绝）：请检查服务器地址和端口。"
                "SSL 一般为 465 端口，STARTTLS 一般为 587 端口。"
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            answer = self._scrub(_answer(exc.smtp_code, exc.smtp_error))
            if 400 <= exc.smtp_code < 500:
                return _Temporary(answer)
            return MailError(f"服务器 {where} 拒绝连接（{answer}）。请与邮件系统管理员联系。")
        if isinstance(exc, OSError):  # dropped, reset, timed out
            reason = exc or type(exc).__name__
            return _Temporary(self._scrub(f"连接 {where} 失败或中断（{reason}）"))
        return MailError(self._scrub(f"连接 {where} 时出错（{type(exc).__name__}：{exc}）。"))

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            _close(smtp)

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        _close(smtp)

    def __enter__(self) -> SmtpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending --

    def _alive(self) -> None:
        """Reconnect quietly when the server has closed an idle connection."""
        if self._smtp is None:
            return
        try:
            code, _ = self._smtp.noop()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._drop()

    def _transaction(self, sender: str, recipients: Sequence[str], copies: Sequence[str],
                     data: bytes) -> _Transaction:
        smtp = self._smtp
        assert smtp is not None
        options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
        code, message = smtp.mail(sender, options)
        if code != 250:
            return self._ended("mail", code, message, [], {})
        accepted: list[str] = []
        refused: dict[str, tuple[int, str]] = {}
        for address in [*recipients, *copies]:
            code, message = smtp.rcpt(address)
            if code in (250, 251):
                accepted.append(address)
            else:
                refused[address] = (code, self._scrub(_answer(code, message)))
                if code == 421:
                    raise _Temporary(refused[address][1])
        if not any(a in accepted for a in recipients):  # no copy without the original
            code, answer = next(refused[a] for a in recipients)
            return self._ended("rcpt", code, answer, [], refused)
        try:
            code, message = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself refused
            return self._ended("data", exc.smtp_code, exc.smtp_error, accepted, refused)
        if code != 250:
            return self._ended("data", code, message, accepted, refused)
        return _Transaction("data", code, self._scrub(_answer(code, message)), accepted, refused)

    def _ended(self, stage: str, code: int, message: bytes | str, accepted: list[str],
               refused: dict[str, tuple[int, str]]) -> _Transaction:
        answer = self._scrub(_answer(code, message))
        if code == 421:  # the server is closing the connection
            raise _Temporary(answer)
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.rset()
        return _Transaction(stage, code, answer, accepted, refused)

    def deliver(self, sender: str, recipients: Sequence[str], data: bytes,
                copies: Sequence[str] = ()) -> Delivery:
        """Send ``data`` to every recipient; retry the temporary failures with back-off.

        A 5xx answer to a recipient refuses that recipient only; a 5xx answer to the message
        (DATA) refuses it for all; 4xx answers, a dropped connection or a time-out are tried
        again (``retries`` times, waiting ``retry_wait`` seconds, doubled each time).
        ``copies`` (archive addresses) go along with the recipients, never alone.
        """
        result = Delivery()
        pending = list(recipients)
        copies_left = list(copies)
        temporary: dict[str, str] = {}
        while pending and result.attempts <= self.settings.retries:
            if result.attempts:
                self.sleep(self.settings.retry_wait * 2 ** (result.attempts - 1))
            result.attempts += 1
            self.limiter.wait()
            try:
                self._alive()
                self.connect()
                tx = self._transaction(sender, pending, copies_left, data)
            except _Temporary as exc:
                self._drop()
                result.answer = str(exc)
                temporary = dict.fromkeys(pending, result.answer)
                continue
            except OSError as exc:  # dropped connection, time-out, TLS failure, odd reply
                self._drop()
                result.answer = self._scrub(f"连接中断（{exc or type(exc).__name__}）")
                temporary = dict.fromkeys(pending, result.answer)
                continue
            result.answer = tx.answer
            if tx.stage == "mail" and tx.code >= 500:
                self._sender_refused(tx)
            for address, (code, answer) in tx.refused.items():
                if code >= 500:
                    result.refused[address] = answer
            temporary = {a: answer for a, (code, answer) in tx.refused.items()
                         if code < 500 and a in pending}
            if tx.stage == "mail" and tx.code < 500:
                temporary = dict.fromkeys(pending, tx.answer)
            elif tx.stage == "data" and tx.code == 250:
                result.delivered += tx.accepted
            elif tx.stage == "data" and tx.code < 500:
                temporary.update(dict.fromkeys([a for a in tx.accepted if a in pending],
                                               tx.answer))
            elif tx.code >= 500 and tx.stage != "rcpt":  # the message itself was refused
                for address in pending:
                    result.refused.setdefault(address, tx.answer)
                temporary = {}
            pending = [a for a in pending if a in temporary]
            copies_left = [c for c in copies_left
                           if c not in result.delivered and c not in result.refused]
        for address in copies_left:
            if result.attempts and address not in result.delivered:
                result.refused.setdefault(address, f"未送达：{result.answer}")
        for address in pending:
            answer = temporary.get(address, result.answer)
            result.refused[address] = f"{answer}（重试 {self.settings.retries} 次后仍未成功）"
        return result

    def _sender_refused(self, tx: _Transaction) -> None:
        if tx.code == 552:  # too large: this message only
            return
        hint = ("服务器要求先登录：请用 --user 指定登录账号。" if tx.code == 530 else
                "请检查 --sender：多数邮件系统要求发件人与登录账号一致。")
        raise MailError(f"服务器拒绝了发件人 {self.settings.sender}（{tx.answer}）。{hint}")


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


# --- running a plan -------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _compose(plan: Plan, item: Outgoing, *, with_bcc: bool) -> tuple[bytes, str, str]:
    attachments = [Attachment.from_file(path, name) for path, name in item.attachments]
    context = template_context(
        item.agency, item.year, corrected=item.corrected, attachments=[a.filename for a in
                                                                        attachments],
        addresses=item.addresses, sender=plan.sender)
    try:
        subject = plan.templates.subject(context)
        body = plan.templates.body(context)
    except Exception as exc:  # a custom template failing for this agency's values
        raise MailError(f"{plan.templates.subject_source}/{plan.templates.body_source} "
                        f"无法为「{item.agency}」生成邮件：{exc}。请检查模板。") from exc
    composed = compose(sender=plan.sender, to=item.addresses, agency=item.agency,
                       subject=subject, body=body, attachments=attachments,
                       bcc=item.bcc if with_bcc else ())
    return composed.data, composed.subject, composed.message_id


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold a lock on ``path`` so two sends from the same folder cannot run at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a+", encoding="utf-8")
    try:
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise MailError(
                f"另一个 send 正在使用输出文件夹 {path.parent}。请等它结束后再运行，以免重复发送。"
            ) from exc
        yield
    finally:
        handle.close()


def _dry_run(plan: Plan, eml_dir: Path, on_start: Callable[[str], None] | None,
             on_done: Callable[[AgencyResult], None] | None) -> list[AgencyResult]:
    eml_dir.mkdir(parents=True, exist_ok=True)
    marker = eml_dir / EML_MARKER
    if marker.exists():  # a folder of our own earlier dry run: drop its stale files
        for old in eml_dir.glob("*.eml"):
            old.unlink()
    atomic_write_bytes(marker, "generate.py send --dry-run 生成的邮件文件夹\n".encode())
    stems = unique_stems([item.agency for item in plan.outgoing])
    results: list[AgencyResult] = []
    for item in plan.outgoing:
        if on_start:
            on_start(item.agency)
        data, subject, _ = _compose(plan, item, with_bcc=True)
        path = eml_dir / f"{stems[item.agency]}.eml"
        atomic_write_bytes(path, data)
        result = AgencyResult(
            item.agency, Status.DRY_RUN, item.pending,
            f"{'更正后重发；' if item.corrected else ''}主题：{subject}；文件：{path.name}",
            item.corrected,
            item.entry.file, eml=path)
        results.append(result)
        if on_done:
            on_done(result)
    return results


def _record(plan: Plan, item: Outgoing, subject: str, message_id: str, bcc: Sequence[str],
            delivery: Delivery, status: Status) -> dict[str, Any]:
    return {
        "time": _now(),
        "agency": item.agency,
        "year": item.year,
        "addresses": list(item.pending),
        "bcc": list(bcc),
        "file": item.entry.file,
        "sha256": item.entry.sha256,
        "pdf": item.entry.pdf,
        "pdf_sha256": item.entry.pdf_sha256,
        "result": status.value,
        "corrected": item.corrected,
        "delivered": delivery.delivered,
        "refused": delivery.refused,
        "answer": delivery.answer,
        "attempts": delivery.attempts,
        "subject": subject,
        "message_id": message_id,
        "server": plan.settings.server,
    }


def _send_one(plan: Plan, client: SmtpClient, item: Outgoing) -> AgencyResult:
    data, subject, message_id = _compose(plan, item, with_bcc=False)
    bcc = item.bcc
    delivery = client.deliver(plan.sender.address, item.pending, data, copies=bcc)
    got = [a for a in item.pending if a in delivery.delivered]
    refused = {a: r for a, r in delivery.refused.items() if a in item.pending}
    status = Status.SENT if not refused else Status.PARTIAL if got else Status.FAILED
    plan.log.append(_record(plan, item, subject, message_id, bcc, delivery, status))
    notes: list[str] = []
    if item.corrected:
        notes.append("更正后重发")
    if got:
        notes.append(f"已送达 {'、'.join(got)}")
    for address, answer in refused.items():
        notes.append(f"{address} 未送达：{answer}")
    if refused:
        notes.append(f"请核对 {item.email_cell} 中的地址，或稍后重新运行 send"
                     "（已送达的不会重复发送）")
    for address in bcc:
        if address in delivery.refused:
            notes.append(f"归档地址 {address} 未收到：{delivery.refused[address]}")
    return AgencyResult(item.agency, status, item.pending, "；".join(notes), item.corrected,
                        item.entry.file, answer=delivery.answer, attempts=delivery.attempts)


def send_plan(plan: Plan, *, password: str | None = None, dry_run: bool = False,
              eml_dir: Path | None = None, on_start: Callable[[str], None] | None = None,
              on_done: Callable[[AgencyResult], None] | None = None,
              sleep: Callable[[float], None] = time.sleep,
              clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Carry out a plan: write ``.eml`` files (``dry_run``) or send and log every message.

    Raises :class:`MailError` when sending cannot start (server, certificate, login, sender);
    every message failure after that is a result, not an exception.
    """
    done: dict[str, AgencyResult] = {r.agency: r for r in plan.results}
    aborted: str | None = None
    eml_path: Path | None = None
    if dry_run:
        eml_path = eml_dir or plan.out / EML_DIR_NAME
        for result in _dry_run(plan, eml_path, on_start, on_done):
            done[result.agency] = result
    elif plan.outgoing:
        plan.settings.check(dry_run=False)
        with _exclusive(plan.out / LOCK_NAME), \
                SmtpClient(plan.settings, password, sleep=sleep, clock=clock) as client:
            try:
                client.connect()
            except _Temporary as exc:
                raise MailError(
                    f"暂时无法连接邮件服务器 {plan.settings.server}（{exc}）。请稍后重试。"
                ) from None
            for index, item in enumerate(plan.outgoing):
                if on_start:
                    on_start(item.agency)
                try:
                    result = _send_one(plan, client, item)
                except MailError as exc:
                    if index == 0:
                        raise
                    aborted = scrub(str(exc), password)
                    for rest in plan.outgoing[index:]:
                        done[rest.agency] = AgencyResult(
                            rest.agency, Status.FAILED, rest.pending,
                            f"未发送：{aborted}", rest.corrected, rest.entry.file)
                        if on_done:
                            on_done(done[rest.agency])
                    break
                done[item.agency] = result
                if on_done:
                    on_done(result)
    ordered = [done[name] for name in plan.order if name in done]
    return SendResult(ordered, dry_run, plan.log.path, eml_path, aborted)


def send_reports(workbook: Path | Workbook, out: Path, settings: SendSettings, *,
                 password: str | None = None, dry_run: bool = False,
                 eml_dir: Path | None = None, only: Sequence[str] | None = None,
                 on_start: Callable[[str], None] | None = None,
                 on_done: Callable[[AgencyResult], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> SendResult:
    """Read the workbook, plan and send (or write ``.eml`` files) in one call."""
    settings.check(dry_run=dry_run)
    book = workbook if isinstance(workbook, Workbook) else read_workbook(workbook)
    plan = plan_sends(book, out, settings, only=only)
    try:
        return send_plan(plan, password=password, dry_run=dry_run, eml_dir=eml_dir,
                         on_start=on_start, on_done=on_done, sleep=sleep)
    except ReportError as exc:
        message = scrub(str(exc), password)
        if message == str(exc):
            raise
        raise type(exc)(message) from None

