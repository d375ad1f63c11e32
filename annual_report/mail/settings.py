"""The settings of ``send``: server, security, sender, limits, and the config file ``send.toml``.

:func:`resolve_settings` merges the options given on the command line over the file read by
:func:`load_config`. A password is never a setting: it comes from ``SMTP_PASSWORD`` or a prompt,
and a ``send.toml`` that holds one is refused.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MailError
from .message import Sender, is_address

CONFIG_NAME = "send.toml"
PASSWORD_ENV = "SMTP_PASSWORD"
DEFAULT_RATE = 20.0
DATA_TIMEOUT = 600.0  # RFC 5321 4.5.3.2.6: wait 10 minutes for the reply to the end of DATA


EXAMPLE_DOMAIN = "example.gov.cn"  # the bundled send.toml's: fine for a dry run only


class Security(enum.StrEnum):
    """How the connection is protected."""

    SSL = "ssl"  # implicit TLS, usually port 465
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS, usually port 587
    NONE = "none"  # no encryption: only on request, for a relay inside the office network

    @property
    def default_port(self) -> int:
        return {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}[self]


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
    timeout: float = 60.0  # seconds for connecting and for each command's answer
    data_timeout: float = DATA_TIMEOUT  # seconds to wait for the answer to a message's content
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
        if self.retries < 0 or self.retry_wait < 0 or self.timeout <= 0 or self.data_timeout <= 0:
            raise MailError("send.toml 中 retries、retry_wait 不能为负数，timeout、data_timeout "
                            "必须大于 0。")
        if self.cafile is not None and not self.cafile.is_file():
            raise MailError(f"找不到 CA 证书文件 {self.cafile}（--cafile）。请检查路径。")
        if dry_run:
            return
        example = [what for what, value in (("发件人", self.sender), ("邮件服务器", self.host),
                                            ("账号", self.user))
                   if value and EXAMPLE_DOMAIN in value.lower()]
        if example:
            raise MailError(
                f"{'、'.join(example)}还是示例设置（{EXAMPLE_DOMAIN}），不能真正发送：请在 send.toml 中"
                "改成本单位的邮件服务器、账号和发件人，或用 --smtp、--user、--sender 指定。"
                "只想生成邮件文件检查时请加 --dry-run。")
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
    "data_timeout": "等待服务器确认收下邮件的最长时间（秒，默认 600）",
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
        for key in ("rate", "timeout", "data_timeout", "retry_wait"):
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
            f"设置的数值不对（{exc}）：port、rate、timeout、data_timeout、retries、retry_wait 须为数字。"
        ) from exc
    return SendSettings(**kwargs)
