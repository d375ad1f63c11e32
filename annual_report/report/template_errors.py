"""Turn a Jinja syntax error in a template part into a message a Word user can act on.

Jinja reports a line of the patched XML, which means nothing in Word. :func:`syntax_error`
compiles the part once more with one line per paragraph (as docxtpl does), finds the offending
tag (an unclosed block, an unknown tag, a tag that is wrong by itself), and names it with its
number in the part and the paragraph that holds it, with a hint in Chinese.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from jinja2 import Environment
from jinja2.exceptions import TemplateSyntaxError
from lxml import etree

from ..errors import TemplateError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class _Tag:
    """One ``{% %}``, ``{{ }}`` or ``{# #}`` tag of a part, as the user typed it."""

    ordinal: int  # 1-based, in the part
    line: int  # Jinja line in the paragraph-numbered source: paragraph = line - 1
    text: str

    @property
    def keyword(self) -> str:
        match = re.match(r"\{%[-+]?\s*(\w+)", self.text)
        return match.group(1) if match else ""


_TAG_RE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
_OPENERS = frozenset({"for", "if", "macro", "call", "filter", "with", "block", "autoescape", "raw"})


def _tags(numbered: str) -> list[_Tag]:
    """Every tag of the paragraph-numbered source, in order, with its markup removed."""
    found = []
    for ordinal, match in enumerate(_TAG_RE.finditer(numbered), start=1):
        text = html.unescape(re.sub(r"<[^>]+>", "", match.group()))
        found.append(_Tag(ordinal, numbered.count("\n", 0, match.start()) + 1, text))
    return found


def _open_block(tags: list[_Tag], stop: int, keyword: str | None) -> _Tag | None:
    """The innermost block still open before tag number ``stop`` (of kind ``keyword``)."""
    stack: list[_Tag] = []
    for tag in tags[: stop - 1]:
        word = tag.keyword
        if word in _OPENERS or (word == "set" and "=" not in tag.text):
            stack.append(tag)
        elif word.startswith("end"):
            opened = word[3:]
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].keyword == opened:
                    del stack[i:]
                    break
    for tag in reversed(stack):
        if keyword is None or tag.keyword == keyword:
            return tag
    return None


def _wrong_alone(env: Environment, tag: _Tag) -> bool:
    """Whether the tag is wrong by itself (not merely missing its other half)."""
    try:
        env.parse(tag.text)
    except TemplateSyntaxError as exc:
        message = exc.message or ""
        return not ("Unexpected end of template" in message or "unknown tag" in message)
    return False


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _normal(text: str) -> str:
    """A tag or paragraph text without docxtpl's level letters, trim marks and spaces."""
    text = re.sub(r"(\{[%{#])[-+]?\s*(?:(?:p|tr|tc|r)\s)?", r"\1", text.translate(_QUOTES))
    text = re.sub(r"[-+]?([%}#]\})", r"\1", text)
    return re.sub(r"\s+", "", text)


def _paragraph_of(root: etree._Element, tags: list[_Tag], culprit: _Tag) -> int | None:
    """The 1-based paragraph of the original part that holds the tag (tables included)."""
    key = _normal(culprit.text)
    if not key:
        return None
    earlier = sum(1 for tag in tags[: culprit.ordinal - 1] if _normal(tag.text) == key)
    seen = 0
    for number, paragraph in enumerate(root.iter(f"{_W}p"), start=1):
        text = etree.tostring(paragraph, method="text", encoding="unicode")
        seen += _normal(text).count(key)
        if seen > earlier:
            return number
    return None


def _hint(message: str) -> str:
    """What Jinja's message means, in Chinese, for a user editing in Word."""
    if match := re.search(r"innermost block that needs to be closed is '(\w+)'", message):
        block = match.group(1)
        if "Unexpected end of template" in message:
            return f"{{% {block} %}} 没有对应的结束标签 {{% end{block} %}}"
        return f"标签嵌套错误：{{% {block} %}} 尚未用 {{% end{block} %}} 结束"
    if "Unexpected end of template" in message:
        return "有未结束的块，缺少 {% endfor %} 或 {% endif %} 等结束标签"
    if match := re.search(r"unknown tag '(\w+)'", message):
        return f"无法识别的标签 {match.group(1)}（拼写错误，或缺少与之配对的开始标签）"
    if match := re.search(r"No (filter|test) named '([^']+)'", message):
        kind = "过滤器" if match.group(1) == "filter" else "测试"
        return f"没有名为 {match.group(2)} 的{kind}"
    return "标签写法不完整或有多余字符（请检查括号、引号和运算符，中文引号要改为英文引号）"


def syntax_error(
    env: Environment,
    name: str,
    where: str,
    root: etree._Element,
    patched: str,
    error: TemplateSyntaxError,
) -> TemplateError:
    """A Chinese message naming the offending tag, its number and paragraph in the part."""
    # Compile once more with a line per paragraph, as docxtpl does, to find the place.
    numbered = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
    line, message = error.lineno, error.message or str(error)
    try:
        env.from_string(numbered)
    except TemplateSyntaxError as again:
        line, message = again.lineno, again.message or message
    tags = _tags(numbered)
    on_line = [tag for tag in tags if tag.line == line]
    unknown = re.search(r"unknown tag '(\w+)'", message)
    failing = next((t for t in on_line if unknown and t.keyword == unknown.group(1)), None)
    culprit: _Tag | None = None
    if match := re.search(r"innermost block that needs to be closed is '(\w+)'", message):
        stop = failing.ordinal if failing else len(tags) + 1
        culprit = _open_block(tags, stop, match.group(1))
    elif "Unexpected end of template" in message:
        culprit = _open_block(tags, len(tags) + 1, None)
    culprit = culprit or failing or next((t for t in on_line if _wrong_alone(env, t)), None)
    if culprit is None and on_line:
        culprit = on_line[0]
    paragraph = _paragraph_of(root, tags, culprit) if culprit else None
    at = f"{where}第 {paragraph or max(line - 1, 1)} 段{'' if paragraph else '附近'}"
    if culprit is not None:
        text = culprit.text if len(culprit.text) <= 80 else culprit.text[:80] + "…"
        return TemplateError(
            f"模板 {name} 第 {culprit.ordinal} 处标签语法错误：{text}（{at}）。{_hint(message)}。"
            f"请在 Word 中改正该标签后重试。（Jinja：{message}）"
        )
    return TemplateError(
        f"模板 {name} 的{at}有标签语法错误：{_hint(message)}。"
        f"请在 Word 中改正后重试。（Jinja：{message}）"
    )

