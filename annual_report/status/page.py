"""The overview page ``总览.html``: one static file, opened by double-click, no server, no network.

Everything is inline (style, script, the SVG chart); every value is HTML-escaped. The table sorts
by any column (click its header) and filters to 未交表 / 有错误 / 未发送.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..outputs import atomic_write_bytes
from .overview import AgencyStatus, Overview

PAGE_NAME = "总览.html"

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} .meta{color:#666;font-size:13px;margin-bottom:16px}
.filters button{font-size:14px;padding:4px 12px;margin-right:6px;border:1px solid #999;
background:#fff;border-radius:4px;cursor:pointer} .filters button.on{background:#1f5fa8;color:#fff}
table{border-collapse:collapse;margin-top:12px;font-size:14px;min-width:900px}
th,td{border:1px solid #ccc;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef3fa;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" ▲"} th[aria-sort=descending]::after{content:" ▼"}
.bad{color:#b00020;font-weight:bold} .warn{color:#a66300} .good{color:#2e7d32} .dim{color:#888}
#shown{margin-left:12px;color:#555;font-size:13px} .err{font-size:12px;color:#b00020}
"""

_JS = """
(function(){
  var table=document.getElementById('agencies'), body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  function show(filter){
    var n=0;
    rows.forEach(function(r){
      var on=filter==='all'||r.getAttribute('data-'+filter)==='1';
      r.style.display=on?'':'none'; if(on){n++;}
    });
    document.getElementById('shown').textContent='显示 '+n+' / '+rows.length+' 个机关';
    Array.prototype.forEach.call(document.querySelectorAll('.filters button'),function(b){
      b.className=b.getAttribute('data-filter')===filter?'on':'';
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('.filters button'),function(b){
    b.addEventListener('click',function(){show(b.getAttribute('data-filter'));});
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var numeric=th.getAttribute('data-type')==='number';
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-sort'), y=b.cells[i].getAttribute('data-sort');
        var d=numeric?(parseFloat(x)-parseFloat(y)):x.localeCompare(y,'zh-CN');
        return asc?d:-d;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  show('all');
})();
"""

_COLUMNS = (("序号", "number"), ("机关全称", "text"), ("表单", "text"), ("交表", "text"),
            ("校验", "number"), ("报告", "text"), ("报告发送", "text"))


# No request leaves the page: only its own inline style and script run.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
FILTERS = (("all", "全部"), ("missing", "未交表"), ("errors", "有错误"), ("unsent", "未发送"))


def _filters() -> str:
    return "".join(f'<button type="button" data-filter="{key}">{label}</button>'
                   for key, label in FILTERS)


def _chart(overview: Overview) -> str:
    counts = overview.counts()
    total = max(counts["机关"], 1)
    bars = [(k, v) for k, v in counts.items() if k != "机关"]
    width, label_w, bar_w, h = 560, 110, 360, 26
    parts = [f'<svg id="progress" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{h * len(bars) + 10}" role="img" aria-label="进度">']
    for i, (name, value) in enumerate(bars):
        y = 5 + i * h
        filled = round(bar_w * value / total)
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="13">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="16" fill="#e6e6e6"/>'
            f'<rect class="bar" data-name="{escape(name)}" x="{label_w}" y="{y + 4}" '
            f'width="{filled}" height="16" fill="#1f5fa8"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" font-size="13">{value} / '
            f'{counts["机关"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _cell(text: str, sort: str | int, css: str = "", extra: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<td data-sort="{escape(str(sort))}"{klass}>{escape(text)}{extra}</td>'


def _row(n: int, s: AgencyStatus) -> str:
    flags = (f'data-missing="{int(not s.has_returned)}" data-errors="{int(s.has_errors)}" '
             f'data-unsent="{int(not s.is_sent)}"')
    form = f"{s.form} {s.form_sent_at}".strip()
    returned = f"{s.returned} {s.returned_at}".strip()
    check = ("无错误" if not s.errors else f"{s.errors} 个错误") + \
        (f"，{s.warnings} 个提醒" if s.warnings else "")
    detail = f'<div class="err">{escape(s.first_error)}</div>' if s.first_error else ""
    sent = f"{s.sent} {s.sent_at}".strip()
    cells = [
        _cell(str(n), n),
        _cell(s.agency, s.agency),
        _cell(form, f"{s.form} {s.form_sent_at}", "good" if s.form == "已发送" else "dim"),
        _cell(returned, s.returned_at or "", "good" if s.has_returned else "bad"),
        _cell(check, s.errors * 10000 + s.warnings, "bad" if s.errors else
              "warn" if s.warnings else "good", detail),
        _cell(s.report, s.report, "good" if s.report == "最新" else "warn"),
        _cell(sent, s.sent_at or "", "good" if s.is_sent else "warn"),
    ]
    return f'<tr {flags}>' + "".join(cells) + "</tr>"


def render_page(overview: Overview) -> str:
    counts = overview.counts()
    year = f"{overview.year}年度" if overview.year else ""
    head = "".join(f'<th data-type="{kind}">{escape(name)}</th>' for name, kind in _COLUMNS)
    rows = "\n".join(_row(n, s) for n, s in enumerate(overview.agencies, start=1))
    summary = "，".join(f"{k} {v}" for k, v in counts.items())
    notes = "".join(f'<p class="warn">{escape(n)}</p>' for n in overview.notes)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{escape(year)}政府信息公开工作年度报告 进度总览</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(year)}政府信息公开工作年度报告 进度总览</h1>
<div class="meta">总表：{escape(str(overview.master))}　生成时间：{escape(overview.made_at)}　{escape(summary)}</div>
{notes}
{_chart(overview)}
<div class="filters">
{_filters()}<span id="shown"></span>
</div>
<table id="agencies">
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<script>{_JS}</script>
</body>
</html>
"""


def write_page(overview: Overview, folder: Path) -> Path:
    path = folder / PAGE_NAME
    atomic_write_bytes(path, render_page(overview).encode("utf-8"))
    return path
