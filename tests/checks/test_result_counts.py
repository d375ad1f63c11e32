"""R7 on the results of table 三: "予以公开 5 件、部分公开 2 件……" is compared with each row.

The sentences are the way published reports put it. The rule: a count is compared with its own
row when nothing around it narrows what it counts; it is never compared with the 办结 total
because 办结 came earlier; anything unclear is left alone (a false alarm costs more than a miss).
"""

from __future__ import annotations

import pytest
from test_narrative import r7

from annual_report.checks.sentences import stated_counts

# 10 new, nothing carried: 5 granted, 2 partly, 1 denied (third party), 1 not held, 1 duplicate.
TABLE = {
    "apps__new__natural": 10, "apps__carried_in__natural": 0, "apps__carried_over__natural": 0,
    "apps__granted__natural": 5, "apps__partial__natural": 2,
    "apps__denied__third_party__natural": 1, "apps__unavailable__not_held__natural": 1,
    "apps__rejected__duplicate__natural": 1, "apps__results_total__natural": 10,
}


def found(text: str, key: str = "text.proactive") -> list[str]:
    return [f.message for f in r7(text, key, **TABLE)]


@pytest.mark.parametrize("text", [
    "在办结的申请中，予以公开5件、部分公开2件、不予公开1件、无法提供1件、不予处理1件。",
    "在办结的申请中，予以公开 5 件，部分公开 2 件，不予公开 1 件，无法提供 1 件，不予处理 1 件，其他处理 0 件。",
    "2024年，本机关共收到政府信息公开申请10件，办结10件，其中予以公开5件，部分公开2件，不予公开1件。",
    "本年度新收政府信息公开申请10件，全部办结。其中予以公开5件、部分公开2件、无法提供1件。",
    "从办理结果看，政府信息公开申请予以公开5件，部分公开2件，不予处理1件。",
    "按办理结果分，予以公开5件、部分公开2件。",
    "依申请公开办理结果：予以公开5件，部分公开2件，不予公开1件，无法提供1件，不予处理1件。",
    "共办结政府信息公开申请10件，其中依法予以公开的5件，部分公开的2件。",
    "办结申请10件：予以公开五件，部分公开两件。",
    "办结10件，其中全部公开5件，部分予以公开2件，不予以公开1件。",
    "收到申请10件，上年结转0件，予以公开5件。",
    "在办结的申请中，予以公开5件（占50%），部分公开2件（占20%）。",
    "在办结的申请中，予以公开5件，占50%；部分公开2件，占20%。",
    "在办结的申请中，不予公开1件（属于保护第三方合法权益），无法提供1件（本机关不掌握相关政府信息）。",
    "共办结政府信息公开申请10件，作其他处理0件。",
])
def test_counts_that_agree_with_their_rows(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "message"), [
    ("在办结的申请中，予以公开6件、部分公开2件。",
     "「予以公开6件」与表三不一致：正文为 6，表三“（一）予以公开”总计为 5。"),
    ("2024年，本机关共收到政府信息公开申请10件，办结10件，其中予以公开5件，部分公开3件。",
     "「部分公开3件」与表三不一致：正文为 3，表三“（二）部分公开”总计为 2。"),
    ("办结申请10件，不予公开2件。",
     "「不予公开2件」与表三不一致：正文为 2，表三“（三）不予公开”各项总计之和为 1。"),
    ("办结申请10件，无法提供3件。", "表三“（四）无法提供”各项总计之和为 1"),
    ("在办结的申请中，不予处理0件。", "表三“（五）不予处理”各项总计之和为 1"),
    ("在办结的申请中，其他处理2件。", "表三“（六）其他处理”各项总计之和为 0"),
    ("在办结的申请中，全部公开4件。", "「全部公开4件」"),
    ("办结10件，其中依法予以公开的4件。", "「其中依法予以公开的4件」"),
    ("本年度收到申请10件。其中予以公开4件。", "「其中予以公开4件」"),
])
def test_counts_that_disagree_with_their_rows(text: str, message: str) -> None:
    (finding,) = found(text)
    assert message in finding
    assert finding.endswith("请核对正文或表三，使两者一致。")


def test_the_first_count_is_never_taken_for_the_total() -> None:
    """办结 came earlier in the sentence: 5 is 予以公开, not the 10 closed."""
    counts = list(stated_counts("在办结的申请中，予以公开5件、部分公开2件。", 2024))
    assert [(c.reading, c.value) for c in counts] == [("apps.granted", 5), ("apps.partial", 2)]
    assert found("在办结的申请中，予以公开5件。") == []


def test_in_section_three_applications_need_not_be_named() -> None:
    assert found("予以公开5件，部分公开2件。", "text.applications") == []
    assert len(found("予以公开4件，部分公开2件。", "text.applications")) == 1
    assert found("予以公开4件，部分公开2件。", "text.overview") == []  # could count anything


@pytest.mark.parametrize("text", [
    "在涉及征收的申请中，予以公开4件。",  # a subset of the applications
    "收到网上申请6件，其中予以公开4件。",
    "其中自然人申请予以公开4件。",
    "收到申请10件，其中自然人申请6件，予以公开4件。",
    "予以公开和部分公开共8件。",  # two rows in one count
    "2023年，办结申请10件，予以公开4件。",  # another year
    "办结申请10件，予以公开同比增加4件。",
    "办结申请10件，予以公开约4件。",
    "办结申请10件，予以公开政府信息30件。",
    "办结申请10件，予以公开的政府信息涉及30条。",
    "因申请人逾期不补正作其他处理3件。",
    "办结申请10件，本机关不掌握无法提供3件。",  # one of （四）'s rows, not all of them
    "办结申请10件，对4件申请予以公开。",  # the count before the result: left alone
    "1-6月办结申请10件，予以公开4件。",
    "办结申请10件，予以公开、部分公开分别为4件、3件。",
    "行政复议决定予以公开4件。",
    "办结申请10件，予以公开4件次。",
    "重大行政决策予以公开4件。",
    "办结申请10件，其余予以公开4件。",
])
def test_unclear_result_counts_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "key", "quote"), [
    ("本年度共收到政府信息公开申请10件，均已按期答复。其中，予以公开6件，部分公开2件。",
     "text.proactive", "「予以公开6件」"),
    ("办理结果方面，不予公开2件，无法提供1件。", "text.applications", "「不予公开2件」"),
    ("从办理结果来看，予以公开4件，占40%；部分公开2件，占20%。", "text.applications",
     "「予以公开4件」"),
    ("本年度新收的申请中，予以公开4件。", "text.proactive", "「予以公开4件」"),
])
def test_published_phrasings_that_disagree(text: str, key: str, quote: str) -> None:
    (finding,) = found(text, key)
    assert finding.startswith(quote)


def test_a_section_other_than_three_needs_the_applications_named() -> None:
    assert found("办理结果方面，不予公开2件。", "text.proactive") == []


# 8 new + 2 carried in: the results of the new applications alone are not in the table.
CARRIED = {**TABLE, "apps__new__natural": 8, "apps__carried_in__natural": 2}


def test_results_among_the_new_applications_need_nothing_carried_in() -> None:
    text = "本年度收到政府信息公开申请8件，其中予以公开4件。"
    assert [f.message for f in r7(text, "text.proactive", **CARRIED)] == []
    assert len(found("本年度收到政府信息公开申请10件，其中予以公开4件。")) == 1  # nothing carried in
    # 办结 counts every result, new or carried in.
    (finding,) = [f.message for f in r7("本年度办结政府信息公开申请10件，其中予以公开4件。",
                                        "text.proactive", **CARRIED)]
    assert "「其中予以公开4件」" in finding


@pytest.mark.parametrize("text", [
    "对上年结转的申请，予以公开2件。",
    "上年结转申请中予以公开2件。",
    "收到申请10件，上年结转0件，其中予以公开2件。",
    "结转下年度的申请中，予以公开2件。",
])
def test_results_of_a_part_of_the_applications_are_left_alone(text: str) -> None:
    assert found(text) == []
