"""The fee statement of section 六, read sentence by sentence: a later sentence's 「均为0」 zeroes
nothing, a printed figure beats a quoted rule (「不收取费用」), and a paragraph that also says
something else stays in 其他事项. Sentences written by hand, as agencies word them."""

from __future__ import annotations

from pathlib import Path

from annual_report.importer.fees import fee_only, read_fees
from annual_report.importer.html_in import read_html
from annual_report.importer.run import import_document
from annual_report.importer.tables import Found


def _fees(paragraphs: list[str]) -> dict[str, object]:
    found = Found()
    read_fees(paragraphs, found)
    return {key: figure.value for key, figure in found.values.items()}


def test_a_later_sentence_saying_all_zero_zeroes_no_fee() -> None:
    text = ("本年度发出收费通知2件，总金额150元，实际收取的总金额为100元。"
            "本年度承办的人大代表建议和政协提案件数均为0。")
    assert _fees([text]) == {"processing_fee.notices": 2, "processing_fee.notice_amount": 150,
                             "processing_fee.collected": 100}
    assert not fee_only(text)  # the second sentence is 其他事项 text


def test_a_printed_figure_wins_over_a_quoted_rule() -> None:
    text = ("根据《中华人民共和国政府信息公开条例》第四十二条，行政机关依申请提供政府信息，不收取费用。"
            "本年度发出收费通知2件，总金额150元，实际收取的总金额为100元。")
    assert _fees([text])["processing_fee.collected"] == 100
    assert not fee_only(text)
    # a rule quoted alone states no figure of this year
    assert "processing_fee.collected" not in _fees(["按照“不收取费用”的规定执行。"])


def test_the_all_zero_sentence_still_reads_as_zero() -> None:
    text = "2024年度本机关发出收费通知的件数和总金额，以及实际收取的总金额均为0。"
    zero = ("processing_fee.notices", "processing_fee.notice_amount", "processing_fee.collected")
    assert _fees([text]) == dict.fromkeys(zero, 0)
    assert fee_only(text)
    assert _fees(["本机关未发出收费通知，未收取信息处理费。"]) == {
        "processing_fee.notices": 0, "processing_fee.notice_amount": 0, "processing_fee.collected": 0}


def test_the_other_paragraph_is_kept_in_an_imported_page(tmp_path: Path) -> None:
    agency = "某市某区司法局"
    page = f"""<html><head><meta charset="utf-8"><title>{agency}2024年政府信息公开工作年度报告</title></head>
<body><h1>{agency}2024年政府信息公开工作年度报告</h1>
<p>一、总体情况</p><p>2024年，本局认真贯彻落实条例。</p>
<p>六、其他需要报告的事项</p>
<p>本年度发出收费通知2件，总金额150元，实际收取的总金额为100元。本年度承办的人大代表建议和政协提案件数均为0。</p>
<p style="text-align:right">{agency}</p><p style="text-align:right">2025年1月20日</p>
</body></html>"""
    path = tmp_path / "司法局.html"
    path.write_text(page, encoding="utf-8")
    record, _log = import_document(read_html(path), path.name, None, None)
    assert record["processing_fee.notices"] == 2
    assert record["processing_fee.notice_amount"] == 150
    assert record["processing_fee.collected"] == 100
    assert "提案件数均为0" in record["text.other"]
