"""Turn raw cell values into figures, normalising only where the meaning is certain (R5)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..format.model import Kind

_THOUSANDS = re.compile(r"^[+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
# Digits a user types: ASCII and full-width (which NFKC folds to ASCII). Any other digit-like
# character (superscript ², circled ①, Arabic-Indic ٣, …) is not silently read as a number.
_TYPED_DIGITS = frozenset("0123456789０１２３４５６７８９")
# No agency counts this many of anything, nor spends this many 元: a larger figure is a typo or
# float noise (1e300 would otherwise become a 301-digit count).
MAX_FIGURE = Decimal(10) ** 12
_MAX_INT, _MAX_FLOAT = 10**12, 1e12
_PLACEHOLDERS = {"/", "-", "—", "——", "－", "无", "空", "null", "none", "n/a", "na", "×", "x"}
# Characters XML 1.0 forbids; they cannot be written to a DOCX.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EMAIL = re.compile(r"^[^@\s;,，；]+@[^@\s;,，；]+\.[^@\s;,，；]+$")
_EMAIL_SPLIT = re.compile(r"[;,，；、\s]+")
_SPACED_DIGITS = re.compile(r"[0-9.,]\s+[0-9.,]")
_YEAR_SUFFIX = re.compile(r"\s*年度?\s*$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SPACES = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\s*[\n\t]\s*")
_TAB = re.compile(r"\s*\t\s*")


@dataclass(frozen=True)
class Invalid:
    """A cell whose value is not acceptable; ``message`` says why and how to fix it."""

    message: str


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")


def shown(raw: object) -> str:
    """A raw value as a user would recognise it in a message (-1.0 read by Excel shows as -1;
    invisible characters are named, since the user cannot see them)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw) if abs(raw) < 1e15 else format(raw, ".15g")
    text = str(raw).strip()
    text = _INVISIBLE.sub("〔不可见字符〕", text)
    return text if len(text) <= 20 else text[:20] + "…"


def _to_decimal(raw: object) -> Decimal | Invalid:
    if isinstance(raw, bool):
        return Invalid(f"「{raw}」不是数字，请填写数字。")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Invalid("不是有效数字，请填写数字。")
        # Excel keeps 15 significant digits: =12.3*3 is stored as 36.900000000000006, shown 36.9
        return Decimal(format(raw, ".15g"))
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, (dt.date, dt.time, dt.timedelta)):
        return Invalid(f"「{shown(raw)}」是日期或时间，不是数字；请把单元格格式改为“常规”后填写数字。")
    original = str(raw)
    odd = next((ch for ch in original if ch not in _TYPED_DIGITS
                and unicodedata.category(ch) in ("Nd", "No", "Nl")), None)
    if odd is not None:
        return Invalid(f"「{shown(raw)}」含有特殊数字字符「{odd}」（如上标、圈码或其他文字的数字），"
                       "请改为普通阿拉伯数字 0–9。")
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", original)).strip()
    if _SPACED_DIGITS.search(text):
        return Invalid(f"「{shown(raw)}」数字中间有空格，无法确定是哪个数；请删除空格，只填一个数字。")
    text = text.replace(" ", "")
    if text.lower() in _PLACEHOLDERS:
        return Invalid(f"「{shown(raw)}」不是数字：本项没有发生时请填 0。")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        return Invalid(f"「{shown(raw)}」不是数字，请只填写阿拉伯数字（不带单位和文字）。")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid numbers
        return Invalid(f"「{shown(raw)}」不是数字，请填写数字。")


def parse_figure(raw: object, kind: Kind) -> int | Decimal | Invalid:
    """Read a non-blank figure cell: a count as ``int``, money as ``Decimal``."""
    if type(raw) is float and 0 <= raw < _MAX_FLOAT and raw.is_integer():  # the common fast paths
        return int(raw) if kind is Kind.COUNT else Decimal(int(raw))
    if type(raw) is int and 0 <= raw < _MAX_INT:
        return raw if kind is Kind.COUNT else Decimal(raw)
    value = _to_decimal(raw)
    if isinstance(value, Invalid):
        return value
    if abs(value) >= MAX_FIGURE:
        return Invalid(f"「{shown(raw)}」数值过大（超过一万亿），请核对后重新填写。")
    if value < 0:
        return Invalid(f"「{shown(raw)}」是负数，不能为负，请改正。")
    if kind is Kind.COUNT:
        if value != value.to_integral_value():
            return Invalid(f"「{shown(raw)}」不是整数，件数必须是整数。")
        return int(value)
    places = kind.decimals
    unit = "万元" if kind is Kind.MONEY_WAN else "元"
    try:
        too_precise = value != value.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        return Invalid(f"「{shown(raw)}」数值过大，请核对金额（单位：{unit}）。")
    if too_precise:
        return Invalid(f"「{shown(raw)}」小数位过多：金额以{unit}为单位，最多保留 {places} 位小数。")
    if not value:
        return Decimal(0)
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def parse_year(raw: object) -> int | Invalid:
    if isinstance(raw, str):  # 「2024年」「2024 年度」 read as 2024
        raw = _YEAR_SUFFIX.sub("", unicodedata.normalize("NFKC", raw).strip())
    value = parse_figure(raw, Kind.COUNT)
    if not isinstance(value, int) or not 2000 <= value <= 2100:
        return Invalid(f"「{shown(raw)}」不是有效年度，请填写四位数字年份，如 2024。")
    return value


def parse_date(raw: object) -> dt.date | Invalid:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE.fullmatch(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    return Invalid(f"「{shown(raw)}」不是有效日期，请写成 2025-01-20 的形式。")


def parse_emails(raw: object) -> list[str] | Invalid:
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    addresses = [a for a in _EMAIL_SPLIT.split(text) if a]
    bad = [a for a in addresses if not _EMAIL.match(a)]
    if bad:
        return Invalid(f"「{shown(bad[0])}」不是有效的邮箱地址；多个地址请用分号隔开。")
    foreign = [a for a in addresses if not a.isascii()]
    if foreign:
        return Invalid(f"「{shown(foreign[0])}」含有中文或全角字符，邮件系统发不出去；请改用英文字母的邮箱地址。")
    return addresses


def name_key(name: str) -> str:
    """What makes two agency names the same agency: width (ＡＢＣ局 / ABC局), Unicode
    composition and white space do not count."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()


def clean_text(raw: object) -> str:
    """Text as it may go into a DOCX: no XML-illegal characters, unified line ends."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return XML_ILLEGAL.sub("", text).strip()


def clean_line(raw: object) -> str:
    """A one-line text: any line break or tab becomes a space."""
    text = clean_text(raw)
    return _LINE_BREAK.sub(" ", text) if "\n" in text or "\t" in text else text


def clean_lines(raw: object) -> str:
    """A short text whose line breaks matter (a title typed on two lines): each line trimmed,
    tabs made spaces, blank lines dropped, the lines joined by ``\\n``."""
    lines = (_TAB.sub(" ", line).strip() for line in clean_text(raw).split("\n"))
    return "\n".join(line for line in lines if line)


def paragraphs(text: str) -> list[str]:
    """A narrative cell split into paragraphs, one per non-empty line."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def format_money(value: Decimal | int) -> str:
    """Money as printed: no exponent, no trailing zeros (``12.5``, ``0``)."""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
