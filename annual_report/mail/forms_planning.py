"""The plan of ``send --forms``: each agency its fill-in form, with the report's guarantees.

The forms folder's record (``forms.json``, written by ``forms``) says which form each agency was
issued; this module turns it into the same :class:`~.planning.Outgoing` items that reports become,
so the send run, its dry run, rate limit, send log and once-only guarantee are the reports' own.
Messages are logged with ``"kind": "form"``: a form never counts as a report sent, and a form
issued again (a correction) is sent again, marked 【更正】. The default text asks for the form
back by the due date (``{{ due }}`` in a custom template).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..clock import shown
from ..errors import MailError
from ..forms.issue import FORMS_RECORD, IssuedForm, load_record
from ..outputs import safe_stem
from ..workbook.rows import AgencyRow, Workbook
from .log import LOG_NAME, SendLog
from .message import Sender
from .planning import (
    FileChanged,
    Outgoing,
    OutgoingFile,
    Plan,
    _digest,
    _email_problem,
    _select,
    _unique,
    addressing,
    place,
    render,
)
from .results import AgencyResult, Status
from .settings import SendSettings
from .templates import MessageTemplates, _read_template

FORM = "form"

FORM_SUBJECT_TEMPLATE = (
    "{% if corrected %}【更正】{% endif %}请填报{{ agency }}{{ year }}年政府信息公开工作年度报告"
    "（{{ due }}前交回）"
)

FORM_BODY_TEMPLATE = """\
{{ agency }}：

    您好！现将贵单位{{ year }}年政府信息公开工作年度报告填报表{% if corrected %}（重新下发）{% endif %}\
发送给您，请查收附件：
{% for name in attachments %}
    {{ loop.index }}. {{ name }}
{% endfor %}
{% if corrected %}

    此前发送的填报表作废，请以本邮件所附的填报表为准。
{% endif %}
{% if corrections %}

    上次交回的内容有 {{ corrections }} 处需要更正，已在表中标成红色并加了批注，\
表中“填表说明”的开头逐条列出，请改正后交回。
{% endif %}

    请按表中“填表说明”填写正文和各项数字（浅黄色格子），核对格全部显示 ✓ 后，\
于 {{ due }}前将填好的表作为附件回复本邮件。文件名可以修改，用 Excel、WPS 保存均可；\
请不要把内容复制到新建的表格中（程序靠表中的标识认出贵单位的表）。

    如有疑问请直接回复本邮件与我们联系。

{{ sender_name }}
{{ date }}
"""

_DUE = re.compile(r"\{\{\s*due\s*\}\}")


def form_templates(settings: SendSettings, due: str) -> MessageTemplates:
    """The subject and body of form messages, with the due date written in."""
    subject_file, body_file = settings.subject_template, settings.body_template
    subject = _read_template(subject_file) if subject_file else FORM_SUBJECT_TEMPLATE
    body = _read_template(body_file) if body_file else FORM_BODY_TEMPLATE
    return MessageTemplates(
        _DUE.sub(due, subject), _DUE.sub(due, body),
        subject_source=f"主题模板 {subject_file}" if subject_file else "默认填报表主题模板",
        body_source=f"正文模板 {body_file}" if body_file else "默认填报表正文模板")


def _form_problem(form: IssuedForm | None, folder: Path,
                  agency: str) -> tuple[Status, str] | None:
    if form is None:
        return Status.NOT_BUILT, f"尚未生成填报表，请先运行 forms（表单文件夹 {folder}）"
    try:
        if _digest(folder / form.file) != form.sha256:
            return Status.NOT_CURRENT, (
                f"填报表 {form.file} 在生成后被改动或删除了；请运行 forms --only \"{agency}\" "
                "重新生成后再发送")
    except FileChanged as exc:
        return Status.UNREADABLE, str(exc)
    return None


def _form_item(plan: Plan, row: AgencyRow, form: IssuedForm, folder: Path,
               addresses: tuple[str, ...], resend_uncertain: bool) -> Outgoing | AgencyResult:
    name = safe_stem(f"{row.agency}{form.year}年政府信息公开工作年度报告填报表") + ".xlsx"
    files = (OutgoingFile(folder / form.file, name, form.sha256),)
    identity: dict[str, Any] = {"kind": FORM, "year": form.year, "file": form.file,
                                "sha256": form.sha256, "form_id": form.form_id,
                                "issued_at": form.issued_at}
    who = addressing(plan.log, row.agency, "sha256", form.sha256, addresses, plan.settings.bcc,
                     kind=FORM, resend_uncertain=resend_uncertain)
    doubt = {a: t for a, t in who.in_doubt.items() if a not in who.resend}
    item = Outgoing(
        agency=row.agency, year=form.year, email_cell=row.cell("email"), addresses=addresses,
        pending=who.pending, bcc=who.bcc, files=files, subject="", body="", identity=identity,
        corrected=plan.log.earlier_version_sent(row.agency, form.year, form.sha256, kind=FORM),
        file=form.file, uncertain=doubt, resend=who.resend)
    if not who.pending:
        if doubt:
            return item
        when = min(who.delivered[a.lower()] for a in addresses)
        return AgencyResult(row.agency, Status.ALREADY_SENT, addresses,
                            f"这份填报表已于 {shown(when, seconds=False)} 发送，不再重复发送",
                            file=form.file)
    item.subject, item.body = render(plan.templates, plan.sender, row.agency, form.year, files,
                                     addresses, corrected=item.corrected,
                                     corrections=form.corrections)
    return item


def plan_form_sends(workbook: Workbook, out: Path, folder: Path, settings: SendSettings, *,
                    due: str, only: Sequence[str] | None = None, resend_uncertain: bool = False,
                    confirm_uncertain: bool = False) -> Plan:
    """For every agency (or those in ``only``), its form to send now, or why not.

    The send log is ``out``'s (call this under :func:`annual_report.mail.send.send_lock`).
    """
    if resend_uncertain and confirm_uncertain:
        raise MailError("--resend-uncertain（重发）和 --confirm-uncertain（记为已收到）只能选一个。")
    if not (folder / FORMS_RECORD).exists():
        raise MailError(f"文件夹 {folder} 中没有填报表记录（{FORMS_RECORD}）：请先运行 forms 生成"
                        "填报表，再用 --forms 指定它写出的文件夹。")
    settings.check(dry_run=True)
    sender = Sender.parse(settings.sender or "")
    record = load_record(folder)
    plan = Plan(out, settings, sender, form_templates(settings, due),
                SendLog.load(out / LOG_NAME), [], [], [])
    rows = _select(workbook, only)
    plan.order = [r.agency for r in rows]
    duplicates = workbook.duplicates()
    for row in rows:
        form = record.get(row.agency, row.year)
        if form is None and row.year is None:  # a row without its year: the form of any year
            form = next((f for (_y, a), f in record.forms.items() if a == row.agency), None)
        duplicate = (Status.INVALID, f"总表中有 {len(duplicates[row.agency])} 行都是这个机关：请删除"
                     "或合并重复的行") if row.agency in duplicates else None
        problems = [p for p in (duplicate, _email_problem(row),
                                _form_problem(form, folder, row.agency)) if p]
        addresses = _unique(row.values.get("email") or [])
        if problems:
            plan.results.append(AgencyResult(row.agency, problems[0][0], addresses,
                                             "；".join(d for _, d in problems),
                                             file=form.file if form else None))
            continue
        assert form is not None
        planned = _form_item(plan, row, form, folder, addresses, resend_uncertain)
        place(plan, row.agency, planned, form.file, confirm_uncertain)
    return plan
