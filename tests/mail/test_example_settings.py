"""The bundled send.toml serves a dry run on the sample, never a real send."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual_report.errors import MailError
from annual_report.mail.settings import resolve_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_example_settings_allow_a_dry_run_only() -> None:
    settings = resolve_settings({}, ROOT / "send.toml")
    settings.check(dry_run=True)
    with pytest.raises(MailError, match="示例设置"):
        settings.check(dry_run=False)


def test_own_settings_given_on_the_command_line_replace_the_example() -> None:
    options = {"smtp": "127.0.0.1:2525", "security": "none", "user": "gov@fanchuan.gov.cn",
               "sender": "区政府办公室 <gov@fanchuan.gov.cn>"}
    resolve_settings(options, ROOT / "send.toml").check(dry_run=False)
