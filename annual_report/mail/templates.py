"""The subject and body of a message: Jinja *text* templates, run in Jinja's immutable sandbox.

The defaults are Chinese; a user may give files instead. A template is code written by whoever
can put a file next to the workbook, so it runs in :class:`ImmutableSandboxedEnvironment`: it can
read the variables listed in :data:`TEMPLATE_VARIABLES` and nothing of Python behind them. A
template that reaches for more (``{{ cycler.__init__.__globals__.os }}``, ``agency.__class__``,
``attachments.append``) is refused before anything is sent or written, also under ``--dry-run``,
with a message naming what it tried to reach.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import MailError, os_error_words

if TYPE_CHECKING:
    from .message import Sender

CORRECTION_MARK = "【更正】"

DEFAULT_SUBJECT_TEMPLATE = (
    "{% if corrected %}【更正】{% endif %}{% if supplement %}【补发PDF】{% endif %}"
    "{{ agency }}{{ year }}年政府信息公开工作年度报告"
)

DEFAULT_BODY_TEMPLATE = """\
{{ agency }}：

    您好！现将贵单位{{ year }}年政府信息公开工作年度报告{% if corrected %}（更正版）{% endif %}\
发送给您，请查收附件：
{% for name in attachments %}
    {{ loop.index }}. {{ name }}
{% endfor %}
{% if corrected %}

    此前发送的版本已作更正，请以本邮件所附版本为准，此前收到的版本作废。
{% endif %}
{% if supplement %}

    报告内容与此前发送的 DOCX 版相同，现补发 PDF 版，便于查阅和打印。
{% endif %}

    请核对报告内容，如有疑问请直接回复本邮件与我们联系。

{{ sender_name }}
{{ date }}
"""

#: The names a subject or body template may use.
TEMPLATE_VARIABLES: dict[str, str] = {
    "agency": "机关全称",
    "year": "报告年度（如 2024）",
    "corrected": "是否为更正后重发（true/false）",
    "supplement": "是否为补发 PDF（此前已发过同一份报告的 DOCX；true/false）",
    "corrections": "重新下发的填报表中标红、要求更正的格子数（只用于填报表邮件，报告邮件为 0）",
    "attachments": "附件文件名列表",
    "addresses": "收件地址列表",
    "sender": "发件人（含名称）",
    "sender_name": "发件人名称（未设名称时为发件地址）",
    "date": "发送日期（如 2025年1月20日）",
}


def _environment() -> jinja2.Environment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.pop("lipsum", None)  # nothing a message needs; one object less to reach through
    return env


def _expression(node: nodes.Node) -> str:
    """The template text of an expression, near enough to name it in a message."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expression(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else "…"
        return f"{_expression(node.node)}[{key!r}]"
    if isinstance(node, nodes.Call):
        return f"{_expression(node.node)}()"
    if isinstance(node, nodes.Filter) and node.node is not None:
        args = ", ".join(repr(a.value) if isinstance(a, nodes.Const) else "…" for a in node.args)
        return f"{_expression(node.node)}|{node.name}({args})"
    return "…"


def _reaches(parsed: nodes.Template) -> list[tuple[int, str, str]]:
    """(line, expression, attribute) of every reach for a Python-internal attribute."""
    found: list[tuple[int, str, str]] = []
    for node in parsed.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args \
                and isinstance(node.args[0], nodes.Const):
            name = node.args[0].value
        if isinstance(name, str) and name.startswith("_"):
            found.append((node.lineno, _expression(node), name))
    return found


_UNSAFE = re.compile(r"access to attribute '(?P<attr>[^']*)' of '(?P<type>[^']*)' object is unsafe")


def _security_words(source: str, exc: SecurityError) -> str:
    match = _UNSAFE.search(str(exc))
    what = (f"「{match['type']} 对象的 {match['attr']}」" if match else f"（{exc}）")
    return (f"{source} 试图访问{what}：模板只能读取给出的变量，不能调用 Python 内部的方法或修改数据"
            "（这类写法可被用来执行系统命令），出于安全考虑已拒绝。请删除这一部分。")


def _sample_context() -> dict[str, Any]:
    return {
        "agency": "示例单位",
        "year": 2024,
        "corrected": True,
        "supplement": True,
        "corrections": 2,
        "attachments": ["示例单位2024年政府信息公开工作年度报告.docx"],
        "addresses": ["office@example.cn"],
        "sender": "区政府办公室 <gov@example.cn>",
        "sender_name": "区政府办公室",
        "date": "2025年1月20日",
    }


class MessageTemplates:
    """The subject and body templates, compiled and checked once, rendered for every agency."""

    def __init__(self, subject: str = DEFAULT_SUBJECT_TEMPLATE,
                 body: str = DEFAULT_BODY_TEMPLATE, *, subject_source: str = "默认主题模板",
                 body_source: str = "默认正文模板") -> None:
        env = _environment()
        self._subject = self._compile(env, subject, subject_source)
        self._body = self._compile(env, body, body_source)
        self.subject_source = subject_source
        self.body_source = body_source
        sample = _sample_context()
        for template, source in ((self._subject, subject_source), (self._body, body_source)):
            try:
                template.render(sample)
            except SecurityError as exc:
                raise MailError(_security_words(source, exc)) from exc
            except jinja2.TemplateError as exc:
                raise MailError(f"{source} 无法使用：{exc}。请检查模板写法。") from exc
        if not self.subject({**sample, "corrected": False}):
            raise MailError(f"{subject_source} 生成的主题是空的，请在模板中写入主题文字。")

    @classmethod
    def load(cls, subject_file: Path | None = None,
             body_file: Path | None = None) -> MessageTemplates:
        """Defaults, or the given UTF-8 template files (a BOM is accepted)."""
        subject = _read_template(subject_file) if subject_file else DEFAULT_SUBJECT_TEMPLATE
        body = _read_template(body_file) if body_file else DEFAULT_BODY_TEMPLATE
        return cls(subject, body,
                   subject_source=f"主题模板 {subject_file}" if subject_file else "默认主题模板",
                   body_source=f"正文模板 {body_file}" if body_file else "默认正文模板")

    @staticmethod
    def _compile(env: jinja2.Environment, source: str, name: str) -> jinja2.Template:
        try:
            parsed = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise MailError(
                f"{name} 第 {exc.lineno} 行有语法错误：{exc.message}。请检查 {{{{ }}}} 与 "
                "{% %} 是否成对。"
            ) from exc
        for line, expression, attribute in sorted(_reaches(parsed), key=lambda r: len(r[1]))[:1]:
            raise MailError(
                f"{name} 第 {line} 行的「{expression}」试图访问 Python 内部属性 {attribute}"
                "（这类写法可被用来执行系统命令），出于安全考虑已拒绝。模板只能使用给出的变量，"
                "请删除这一部分。"
            )
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(TEMPLATE_VARIABLES))
        if unknown:
            allowed = "、".join(f"{k}（{v}）" for k, v in TEMPLATE_VARIABLES.items())
            raise MailError(
                f"{name} 使用了未知的变量：{'、'.join(unknown)}。可用的变量有：{allowed}。"
            )
        return env.from_string(source)

    def subject(self, context: Mapping[str, Any]) -> str:
        """One line; a correction is always marked, even by a custom template that forgets it."""
        text = " ".join(self._subject.render(context).split())
        if context.get("corrected") and "更正" not in text:
            text = CORRECTION_MARK + text
        return text

    def body(self, context: Mapping[str, Any]) -> str:
        text = self._body.render(context).replace("\r\n", "\n")
        return text if text.endswith("\n") else text + "\n"

    def render(self, context: Mapping[str, Any], agency: str) -> tuple[str, str]:
        """(subject, body) for one agency; :class:`MailError` when a template fails for it."""
        try:
            return self.subject(context), self.body(context)
        except SecurityError as exc:
            raise MailError(_security_words(f"{self.subject_source}/{self.body_source}", exc)) \
                from exc
        except Exception as exc:  # a custom template failing for this agency's values
            raise MailError(f"{self.subject_source}/{self.body_source} "
                            f"无法为「{agency}」生成邮件：{exc}。请检查模板。") from exc


def _read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise MailError(f"找不到模板文件 {path}。请检查路径。") from exc
    except UnicodeDecodeError as exc:
        raise MailError(f"模板文件 {path} 不是 UTF-8 编码。请用记事本“另存为”UTF-8 编码后重试。") \
            from exc
    except OSError as exc:
        raise MailError(f"无法读取模板文件 {path}：{os_error_words(exc)}。") from exc


def template_context(agency: str, year: int | None, *, corrected: bool,
                     attachments: Sequence[str], addresses: Sequence[str], sender: Sender,
                     today: dt.date | None = None, supplement: bool = False,
                     corrections: int = 0) -> dict[str, Any]:
    today = today or dt.date.today()
    return {
        "agency": agency,
        "year": year if year is not None else "",
        "corrected": corrected,
        "supplement": supplement,
        "corrections": corrections,
        "attachments": list(attachments),
        "addresses": list(addresses),
        "sender": f"{sender.name} <{sender.address}>" if sender.name else sender.address,
        "sender_name": sender.name or sender.address,
        "date": f"{today.year}年{today.month}月{today.day}日",
    }

