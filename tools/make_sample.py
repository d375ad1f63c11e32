#!/usr/bin/env python3
"""Write the bundled sample: ``input/master.xlsx`` (2024) and ``input/master-2023.xlsx`` (2023).

The agencies belong to 西安市樊川区, a district that does not exist; their figures and texts are
invented but consistent: every row satisfies R1–R6, every number the narrative gives for a table
figure agrees with the table (R7), and this year's carried-in applications and documents in force
follow from last year's workbook (W1). One real report is included as it was published:
西安市阎良区人民政府办公室 2024 (``/work/shared/seed/yanliang-office-2024.txt``); its 2023 row
is invented (all figures 0).

A few realistic flaws are kept on purpose, so the sample shows the warnings and the send step:

* 西安市樊川区御宿街道办事处 left 上年结转 at 0 although 2023 carried one application over (W1);
* 西安市樊川区统计局 copied last year's 存在问题 and 改进情况, and 西安市樊川区子午镇人民政府
  last year's 总体情况 with only the year changed (W3);
* 西安市樊川区翠华镇人民政府 has no e-mail address.

The output is deterministic: a fixed random seed, fixed document timestamps and fixed ZIP entry
times, so the same bytes are written on every run.

Run from the project folder: ``python tools/make_sample.py`` (``--out DIR`` writes elsewhere).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annual_report.format.model import (  # noqa: E402
    APP_ROWS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    FIGURE_FIELDS,
    RESULT_ROWS,
)
from annual_report.outputs import atomic_write_bytes  # noqa: E402
from annual_report.workbook.blank import new_workbook  # noqa: E402

SEED = 20250120
YEAR = 2024
MASTER = "master.xlsx"
MASTER_LAST_YEAR = f"master-{YEAR - 1}.xlsx"
FIXED_TIME = dt.datetime(2025, 1, 20, 9, 0, 0)
CONTACT = "联系人"  # an extra column outside the model: it reaches the template as ``extra``

Record = dict[str, Any]

# --- the agencies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """An agency of the sample and the ranges its figures are drawn from."""

    name: str  # 机关全称
    short: str  # how its report names it, e.g. 区教育局
    me: str  # how it refers to itself: 我局, 我委, 我办, 本街道, 我镇
    kind: str  # office, dept, street or town
    media: str  # its WeChat account
    topics: tuple[str, ...]  # what the public asks it about (at least three)
    apps: tuple[int, int]  # new applications a year
    email: str | None
    contact: str
    licensing: tuple[int, int] = (0, 0)
    penalty: tuple[int, int] = (0, 0)
    enforcement: tuple[int, int] = (0, 0)
    fees: tuple[float, float] = (0.0, 0.0)  # 行政事业性收费, 万元
    docs: tuple[int, int, int] = (0, 0, 0)  # 规范性文件 in force end of 2022 (lo, hi), max new
    unit: str = "办公室"  # the section in charge of 政务公开


def _dept(name: str, short: str, media: str, topics: tuple[str, ...], apps: tuple[int, int],
          email: str | None, contact: str, **ranges: Any) -> Agency:
    """A district department (我局 unless ``me`` is given)."""
    me = ranges.pop("me", "我局")
    return Agency(f"西安市{name}", short, me, "dept", media, topics, apps,
                  f"{email}@example.cn" if email else None, contact, **ranges)


def _grassroots(place: str, kind: str, media: str, topics: tuple[str, ...], apps: tuple[int, int],
                email: str | None, contact: str, **ranges: Any) -> Agency:
    """A 街道办事处 (kind ``street``) or a 镇人民政府 (kind ``town``)."""
    suffix, me = ("街道办事处", "本街道") if kind == "street" else ("镇人民政府", "我镇")
    short = place + ("街道" if kind == "street" else "镇")
    return Agency(f"西安市樊川区{place}{suffix}", short, me, kind, media, topics, apps,
                  f"{email}@example.com" if email else None, contact, unit="党政办公室", **ranges)


STREET_TOPICS = ("困难群众救助", "老旧小区改造", "辖区环境整治", "社区服务")
TOWN_TOPICS = ("惠农补贴发放", "集体土地征收", "农村人居环境整治", "乡村振兴项目")

AGENCIES: tuple[Agency, ...] = (
    Agency("西安市樊川区人民政府办公室", "区政府办", "我办", "office", "樊川发布",
           ("重大决策预公开", "政府常务会议", "建议提案办理结果", "政府工作报告"), (55, 90),
           "fc-zfb@example.cn;fc-zwgk@example.com", "王磊", docs=(18, 26, 5), unit="政务公开科"),
    _dept("樊川区发展和改革委员会", "区发改委", "樊川发改",
          ("重大建设项目", "价格收费", "粮食和物资储备", "政府投资项目"), (3, 8),
          "fc-fgw", "李娜", me="我委", licensing=(5, 20), penalty=(0, 3), docs=(3, 8, 2)),
    _dept("樊川区教育局", "区教育局", "樊川教育",
          ("义务教育招生入学", "学校收费标准", "教师招聘", "学生资助"), (8, 15),
          "fc-jyj", "张静", licensing=(10, 30), penalty=(0, 3), docs=(5, 10, 2)),
    _dept("樊川区工业和信息化局", "区工信局", "樊川工信",
          ("中小企业扶持政策", "工业项目建设", "节能降耗", "惠企政策兑现"), (0, 3),
          "fc-gxj", "刘洋", docs=(1, 3, 1)),
    _dept("公安局樊川分局", "樊川分局", "平安樊川",
          ("户籍办理", "出入境管理", "道路交通安全", "治安管理"), (35, 55),
          "fc-gafj", "陈晨", licensing=(1500, 3000), penalty=(2500, 4500),
          enforcement=(300, 600), fees=(15.0, 40.0), unit="警务保障室"),
    _dept("樊川区民政局", "区民政局", "樊川民政",
          ("社会救助", "养老服务", "婚姻登记", "社会组织管理"), (3, 8),
          "fc-mzj", "杨帆", licensing=(2, 10), docs=(3, 6, 1)),
    _dept("樊川区司法局", "区司法局", "樊川司法",
          ("法律援助", "公共法律服务", "人民调解", "普法宣传"), (1, 4),
          "fc-sfj", "赵敏", penalty=(0, 2), docs=(1, 3, 1)),
    _dept("樊川区财政局", "区财政局", "樊川财政",
          ("财政预决算", "政府采购", "财政专项资金", "政府债务"), (4, 10),
          "fc-czj", "黄凯", penalty=(0, 2), docs=(4, 8, 2)),
    _dept("樊川区人力资源和社会保障局", "区人社局", "樊川人社",
          ("就业创业", "社会保险", "劳动保障监察", "事业单位公开招聘"), (5, 12),
          "fc-rsj", "周婷", licensing=(2, 8), penalty=(3, 12), docs=(3, 7, 2)),
    _dept("自然资源和规划局樊川分局", "自然资源樊川分局", "樊川自然资源",
          ("征地补偿安置", "国土空间规划", "不动产登记", "国有建设用地供应"), (150, 190),
          "fc-zrzy", "吴昊", licensing=(200, 400), penalty=(20, 60), enforcement=(0, 5),
          fees=(150.0, 400.0), docs=(2, 5, 1)),
    _dept("樊川区住房和城乡建设局", "区住建局", "樊川住建",
          ("保障性住房", "老旧小区改造", "国有土地上房屋征收", "建筑市场监管"), (70, 100),
          "fc-zjj", "徐丽", licensing=(100, 250), penalty=(15, 40), enforcement=(0, 3),
          fees=(5.0, 20.0), docs=(4, 9, 2)),
    _dept("樊川区交通运输局", "区交通局", "樊川交通",
          ("农村公路建设养护", "公交线路调整", "道路运输管理", "出租汽车管理"), (2, 6),
          "fc-jtj", "孙涛", licensing=(50, 150), penalty=(80, 200), enforcement=(5, 20),
          docs=(1, 4, 1)),
    _dept("樊川区水务局", "区水务局", "樊川水务",
          ("河湖长制", "防汛抗旱", "农村供水安全", "水土保持"), (0, 3),
          "fc-swj", "马骏", licensing=(5, 20), penalty=(0, 5), fees=(0.5, 3.0), docs=(1, 3, 1)),
    _dept("樊川区农业农村局", "区农业农村局", "樊川农业农村",
          ("强农惠农补贴", "高标准农田建设", "农村集体产权制度改革", "乡村振兴项目"), (3, 8),
          "fc-nyj", "朱琳", licensing=(20, 60), penalty=(5, 20), enforcement=(0, 3),
          docs=(2, 5, 1)),
    _dept("樊川区商务局", "区商务局", "樊川商务",
          ("促消费活动", "外贸外资", "商贸流通", "电子商务"), (0, 2),
          "fc-swuj", "胡斌", licensing=(0, 5), penalty=(0, 2), docs=(1, 2, 1)),
    _dept("樊川区文化和旅游体育局", "区文旅体局", "樊川文旅",
          ("公共文化服务", "文物保护", "旅游市场监管", "全民健身"), (0, 3),
          "fc-wlt", "郭亮", licensing=(10, 30), penalty=(5, 15), enforcement=(0, 2),
          docs=(1, 3, 1)),
    _dept("樊川区卫生健康局", "区卫健局", "健康樊川",
          ("医疗机构监管", "基本公共卫生服务", "计划生育奖励扶助", "疾病预防控制"), (3, 8),
          "fc-wjj", "何芳", licensing=(100, 250), penalty=(30, 80), enforcement=(0, 3),
          docs=(3, 6, 1)),
    _dept("樊川区退役军人事务局", "区退役军人局", "樊川退役军人",
          ("优抚优待政策", "退役军人安置", "就业创业扶持", "褒扬纪念"), (1, 3),
          "fc-tyjr", "高峰", docs=(1, 2, 1)),
    _dept("樊川区应急管理局", "区应急局", "樊川应急",
          ("安全生产", "自然灾害救助", "应急预案管理", "隐患排查治理"), (1, 4),
          "fc-yjj", "林雪", licensing=(3, 15), penalty=(20, 50), enforcement=(0, 5),
          docs=(1, 3, 1)),
    _dept("樊川区审计局", "区审计局", "樊川审计",
          ("审计工作报告", "审计整改情况", "经济责任审计"), (0, 2),
          "fc-sjj", "罗鹏", docs=(0, 1, 0)),
    _dept("樊川区市场监督管理局", "区市场监管局", "樊川市场监管",
          ("食品安全抽检", "市场主体登记", "特种设备安全", "价格监督检查"), (15, 30),
          "fc-scjg", "梁燕", licensing=(600, 1200), penalty=(150, 300), enforcement=(20, 60),
          docs=(2, 4, 1)),
    _dept("樊川区统计局", "区统计局", "樊川统计",
          ("统计公报", "主要经济指标", "经济普查"), (0, 2),
          "fc-tjj", "宋伟", penalty=(0, 3), docs=(0, 1, 0)),
    _dept("樊川区医疗保障局", "区医保局", "樊川医保",
          ("医保待遇政策", "定点医药机构管理", "医保基金监管", "药品集中带量采购"), (2, 6),
          "fc-ybj", "郑洁", penalty=(3, 10), docs=(1, 3, 1)),
    _dept("樊川区城市管理和综合执法局", "区城管执法局", "樊川城管",
          ("违法建设治理", "市容环境卫生", "生活垃圾分类", "占道经营整治"), (10, 20),
          "fc-cgj", "谢磊", licensing=(50, 150), penalty=(400, 900), enforcement=(50, 150),
          fees=(10.0, 30.0), docs=(2, 4, 1)),
    _dept("生态环境局樊川分局", "生态环境樊川分局", "樊川生态环境",
          ("环境质量状况", "建设项目环评审批", "重点排污单位监管", "生态环境保护督察整改"),
          (6, 15), "fc-sthj", "唐雯", licensing=(20, 60), penalty=(20, 50),
          enforcement=(2, 10), docs=(1, 3, 1)),
    _dept("樊川区行政审批服务局", "区行政审批服务局", "樊川政务服务",
          ("行政许可事项清单", "“一网通办”", "企业开办", "证照办理"), (4, 10),
          "fc-spj", "韩冰", licensing=(3000, 6000), fees=(0.5, 5.0), docs=(1, 3, 1)),
    _dept("樊川区科学技术局", "区科技局", "樊川科技",
          ("科技型企业培育", "科技计划项目", "研发投入奖补", "科技成果转化"), (0, 2),
          "fc-kjj", "冯宇", docs=(1, 2, 1)),
    _grassroots("凤栖", "street", "幸福凤栖", STREET_TOPICS, (1, 5), "fc-fengqi", "曹敏",
                penalty=(0, 30), enforcement=(0, 3)),
    _grassroots("樊川", "street", "樊川街道发布", ("城市更新改造", "困难群众救助", "垃圾分类",
                "社区养老服务"), (2, 6), "fc-fanchuan", "彭涛", penalty=(0, 30)),
    _grassroots("御宿", "street", "御宿之窗", STREET_TOPICS, (4, 8), "fc-yusu", "蒋丽",
                penalty=(0, 20)),
    _grassroots("潏河", "street", "潏河街道发布", ("拆迁安置", "困难群众救助", "辖区环境整治",
                "退役军人服务"), (1, 5), "fc-yuhe", "邓超", penalty=(0, 25), enforcement=(0, 2)),
    _grassroots("神禾", "town", "神禾发布", TOWN_TOPICS, (1, 6), "fc-shenhe", "许娟",
                licensing=(0, 5), penalty=(0, 20), docs=(0, 1, 1)),
    _grassroots("翠华", "town", "翠华镇发布", ("惠农补贴发放", "农村危房改造", "集体土地征收",
                "防汛减灾"), (0, 4), None, "袁野", penalty=(0, 15)),
    _grassroots("子午", "town", "子午镇发布", TOWN_TOPICS, (1, 5), "fc-ziwu", "董洁",
                licensing=(0, 5), penalty=(0, 20), docs=(0, 1, 1)),
)

SEED_AGENCY = Agency(
    "西安市阎良区人民政府办公室", "阎良区政府办", "我办", "office", "阎良政务公开",
    ("政府常务会议", "重大决策预公开", "建议提案办理结果"), (0, 0),
    "yanliang-gov@example.cn", "刘敏", unit="行政效能推进科")

W1_BREAK = "西安市樊川区御宿街道办事处"  # left 上年结转 at 0 (W1)
REPEATS_IMPROVEMENTS = "西安市樊川区统计局"  # 五 copied from last year (W3)
REPEATS_OVERVIEW = "西安市樊川区子午镇人民政府"  # 一 copied from last year (W3)
# 信息处理费 of 2024: notices, notice amount (元), collected (元), applications closed unpaid.
PROCESSING_FEES: dict[str, tuple[int, float, float, int]] = {
    "西安市自然资源和规划局樊川分局": (2, 236.5, 100.0, 1),
    "西安市樊川区住房和城乡建设局": (1, 120.0, 120.0, 0),
}
REPORT_DATES = {  # 成文日期 when not the 20th of January
    "西安市公安局樊川分局": dt.date(YEAR + 1, 1, 16),
    "西安市樊川区教育局": dt.date(YEAR + 1, 1, 22),
    "西安市樊川区凤栖街道办事处": dt.date(YEAR + 1, 1, 24),
    "西安市樊川区翠华镇人民政府": dt.date(YEAR + 1, 1, 26),
}

# --- the published report (seed), verbatim --------------------------------------------------------

SEED_TEXTS: dict[str, Any] = {
    "agency": "西安市阎良区人民政府办公室",
    "year": 2024,
    "text.overview": (
        "2024 "
        "年，西安市阎良区人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》以及省市关于政务公开工作的安排部署，"
        "坚持以公开为常态、不公开为例外，政府信息公开工作取得了重大进步，助力阎良区政府治理体系和治理能力不断现代化。"
    ),
    "text.proactive": "\n".join((
        "1.主动公开情况。2024 "
        "年，阎良区人民政府办公室按照市政府政务公开办要求，及时通过区政府网站转载发布了相关重要"
        "政务信息 2175 "
        "条。区政府办全年组织政府网站在线访谈活动 "
        "7 次，在线征集活动 "
        "8 次，及时回应社会关切，加强政民互动。",
        "2.依申请公开情况。2024 "
        "年，阎良区政府办共收到政府信息公开申请 "
        "0 件。收到政府信息公开类行政复议案件 "
        "0 宗。",
        "3.政府信息管理情况。2024 "
        "年，阎良区政府办严格落实相关公开制度，实现政务信息公开工作科学化、制度化和规范化。"
        "制定了《阎良区政务公开工作要点》和《政务公开工作考核方案》等，确保政务公开工作规范、高效、便民。",
        "4. "
        "平台建设情况。2024年，阎良区政府办结合我区政务公开工作整体情况，对阎良区政府网站功能进行改版优化。"
        "进一步提升了政府网站信息阅读查找的便利性。截至目前，网站共开设栏目及子栏目549个，做到了保障有力，信息公开及时规范。"
        "着力推进部门政务新媒体整合建设，对维护不规范的政务新媒体进行了排查注销，新注册报备政务新媒体0个。"
        "截至目前，全区政务新媒体共16个（微信公众号12个，视频号3个，微信小程序1个）。",
        "5. "
        "监督保障情况。2024年，阎良区政府办进一步明确了本单位信息公开工作分管领导和各科室工作责任，"
        "确定了本单位政务公开牵头科室（行政效能推进科）和专职工作人员。",
    )),
    "text.problems": (
        "存在问题：一是区政府办公室作为全区政务公开工作的协调督促部门，在进一步发挥作用方面还要持续强化。"
        "二是区政府办公室注重日常对其他单位的督促协调，但本单位内部相关新闻动态类信息，公开还相对较少。"
    ),
    "text.improvements": (
        "改进措施：一是充分发挥区政府办公室协调全区政务公开工作的作用。加大政务公开工作监督力度，"
        "定期对各单位政务公开工作、区政府网站信息保障工作、政务新媒体信息保障工作和政府信息公开申请工作进行检查和通报，"
        "发现问题及时督促各单位进行整改。二是加强政府办内部自身政府信息的公开工作。"
        "建立和完善政府办内部各科室信息公开发布的机制，及时公开发布政府办的机构领导、机构职能、部门动态、建议提案等相关信息。"
    ),
    "text.other": "",
    "heading.problems": "五、存在问题和改进情况",
}

# --- table 三 and 四 weights ----------------------------------------------------------------------

COLUMN_WEIGHTS = {"natural": 74, "business": 10, "research": 1, "nonprofit": 2, "legal": 9,
                  "other_org": 4}
RESULT_WEIGHTS = {
    "granted": 38, "partial": 7,
    "denied.state_secret": 0.3, "denied.prohibited": 0.6, "denied.security": 0.3,
    "denied.third_party": 2.5, "denied.internal": 1.5, "denied.deliberative": 2,
    "denied.enforcement_file": 1.5, "denied.query": 3,
    "unavailable.not_held": 22, "unavailable.needs_creation": 4, "unavailable.unclear": 2,
    "rejected.petition": 3, "rejected.duplicate": 3, "rejected.publication": 0.5,
    "rejected.excessive": 0.5, "rejected.confirmation": 1,
    "other.no_correction": 4, "other.unpaid_fee": 0, "other.other": 2,
}
APPEAL_WEIGHTS = {"upheld": 60, "corrected": 12, "other": 10, "pending": 18}
if set(RESULT_WEIGHTS) != set(RESULT_ROWS) or set(COLUMN_WEIGHTS) != set(APPLICANT_COLUMNS):
    raise AssertionError("the weights no longer match annual_report.format.model")
RESULT_GROUPS = (  # how a narrative groups the result rows
    ("予以公开", ("granted",)),
    ("部分公开", ("partial",)),
    ("不予公开", tuple(r for r in RESULT_ROWS if r.startswith("denied."))),
    ("无法提供", tuple(r for r in RESULT_ROWS if r.startswith("unavailable."))),
    ("不予处理", tuple(r for r in RESULT_ROWS if r.startswith("rejected."))),
    ("其他处理", tuple(r for r in RESULT_ROWS if r.startswith("other."))),
)


def spread(total: int, weights: Mapping[str, float], rng: random.Random) -> dict[str, int]:
    """``total`` units dealt at random over the keys of ``weights``."""
    counts = dict.fromkeys(weights, 0)
    keys = list(weights)
    for key in rng.choices(keys, [weights[k] for k in keys], k=total):
        counts[key] += 1
    return counts


def table3(rng: random.Random, carried_in: Mapping[str, int], new_total: int, carry_total: int,
           unpaid: int = 0) -> Record:
    """Table 三 with R1–R3 exact: results = new + carried in − carried over, column by column."""
    new = spread(new_total, COLUMN_WEIGHTS, rng)
    open_ = {c: new[c] + carried_in[c] for c in APPLICANT_COLUMNS}
    carried_over = dict.fromkeys(APPLICANT_COLUMNS, 0)
    for _ in range(min(carry_total, sum(open_.values()) - 1)):
        left = {c: open_[c] - carried_over[c] for c in APPLICANT_COLUMNS}
        carried_over[rng.choices(list(left), list(left.values()))[0]] += 1
    record: Record = {}
    for col in APPLICANT_COLUMNS:
        done = open_[col] - carried_over[col]
        reserved = min(unpaid, done) if col == "natural" else 0
        results = spread(done - reserved, RESULT_WEIGHTS, rng)
        results["other.unpaid_fee"] += reserved
        record.update({f"apps.{r}.{col}": n for r, n in results.items()})
        record[f"apps.new.{col}"] = new[col]
        record[f"apps.carried_in.{col}"] = carried_in[col]
        record[f"apps.results_total.{col}"] = done
        record[f"apps.carried_over.{col}"] = carried_over[col]
    for row in APP_ROWS:
        parts = [record[f"apps.{row.key}.{c}"] for c in APPLICANT_COLUMNS]
        record[f"apps.{row.key}.total"] = sum(parts)
    return record


def table4(rng: random.Random, new_total: int) -> Record:
    """Table 四 with R4 exact; appeals grow with the number of applications."""
    if new_total >= 30:
        totals = (rng.randint(1, 6), rng.randint(0, 3), rng.randint(0, 2))
    elif new_total >= 8:
        totals = (rng.choice((0, 0, 1, 2)), rng.choice((0, 0, 0, 1)), 0)
    else:
        totals = (1 if new_total and rng.random() < 0.08 else 0, 0, 0)
    record: Record = {}
    for (prefix, _top, _second), total in zip(APPEAL_GROUPS, totals, strict=True):
        parts = spread(total, APPEAL_WEIGHTS, rng)
        for part, _label in APPEAL_PARTS[:-1]:
            record[f"{prefix}.{part}"] = parts[part]
        record[f"{prefix}.total"] = total
    return record


def figures(agency: Agency, rng: random.Random, carried_in: Mapping[str, int], in_force: int,
            fee: tuple[int, float, float, int] = (0, 0.0, 0.0, 0)) -> Record:
    """One year's figures, continuing from last year's carried-over and documents in force."""
    record: Record = {f.key: 0 for f in FIGURE_FIELDS}
    new_total = rng.randint(*agency.apps)
    open_total = new_total + sum(carried_in.values())
    if open_total >= 20:
        carry = rng.randint(1, max(1, open_total // 20))
    elif open_total >= 4:  # W1_BREAK always carries one over, so its forgotten 上年结转 shows
        carry = 1 if rng.random() < 0.3 or agency.name == W1_BREAK else 0
    else:
        carry = 0
    notices, notice_amount, collected, unpaid = fee
    record.update(table3(rng, carried_in, new_total, carry, unpaid))
    record.update(table4(rng, new_total))
    issued = repealed = 0
    most = agency.docs[2]
    if most:
        if agency.kind == "office":
            issued = rng.randint(2, most)
        else:  # most departments issue none or one a year
            issued = rng.choices(range(most + 1), [3] + [2] * most)[0]
        repealed = rng.randint(0, min(2, in_force)) if rng.random() < 0.35 else 0
    record.update({"normative.issued": issued, "normative.repealed": repealed,
                   "normative.in_force": in_force + issued - repealed})
    for key, (lo, hi) in (("licensing", agency.licensing), ("penalty", agency.penalty),
                          ("enforcement", agency.enforcement)):
        record[f"{key}.decisions"] = rng.randint(lo, hi)
    if agency.fees[1]:
        record["fees.amount"] = round(rng.uniform(*agency.fees), 4)
    record.update({"processing_fee.notices": notices,
                   "processing_fee.notice_amount": notice_amount,
                   "processing_fee.collected": collected})
    return record


# --- narrative ------------------------------------------------------------------------------------
# Templates are filled with str.format_map from a context holding the agency's names, its topics
# (t1…t3, shuffled each year) and numbers the tables do not hold (n_…); sentences that state table
# figures are built by functions from the figures themselves. Each pool has at least two variants:
# this year and last year use different ones (W3).

OVERVIEW = (
    "{year}年，{name}坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实《中华人民共和国政府信息公开条例》和省、市、区关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，围绕{t1}、{t2}等重点工作不断加大信息公开力度，政务公开工作质量和实效持续提升。",
    "{year}年，{short}在区委、区政府的领导下，把政务公开作为建设法治政府、服务型政府的重要抓手，及时调整政务公开工作领导小组，由分管领导具体负责，{unit}牵头落实，各科室分工协作，形成了上下联动、齐抓共管的工作格局。",
    "{name}认真贯彻《中华人民共和国政府信息公开条例》，紧扣{t1}、{t2}、{t3}等群众关心关注的事项，持续推进决策、执行、管理、服务、结果“五公开”，以公开促落实、以公开促规范、以公开促服务，{year}年度政府信息公开工作平稳有序推进。",
    "{year}年是{me}深化政务公开的关键一年。{me}对照《{year}年樊川区政务公开工作要点》逐项分解任务，明确责任科室和完成时限，将政务公开纳入年度重点工作同部署、同推进、同考核，全年未发生因信息公开不及时、不规范被通报的情况。",
    "{year}年，{short}以群众需求为导向，着力提升政务公开标准化、规范化水平，健全信息发布、政策解读、回应关切工作机制，全面梳理本部门公开事项清单，持续优化政府信息公开专栏，为推进{t1}等工作营造了良好氛围。",
)
OVERVIEW_GRASSROOTS = (
    "{year}年，{name}紧紧围绕辖区中心工作，聚焦{t1}、{t2}等与群众切身利益密切相关的事项，通过区政府网站、{board}和“{media}”公众号等渠道及时公开信息，基层政务公开标准化规范化建设不断深化。",
    "{year}年，{short}把政务公开作为联系服务群众的重要途径，对照基层政务公开标准目录梳理公开事项，在便民服务中心设立政务公开专区，推动{t1}、{t2}等信息公开到村（社区）、到群众身边。",
)
OVERVIEW_EXTRA = (
    "全年召开政务公开专题会议{n_meet}次，组织业务培训{n_train}场、参训{n_people}人次，工作人员的公开意识和业务能力进一步提升。",
    "{me}明确{unit}为政务公开牵头科室，配备兼职信息员{n_staff}名，建立信息发布“三审三校”制度，确保发布信息准确、及时、规范。",
    "{me}将政务公开工作纳入年度目标责任考核，实行季度自查、半年通报，全年开展栏目自查{n_check}次，发现并整改问题{n_fixed}个。",
)
MAIN = (
    "{year}年，{me}依托区政府门户网站信息公开专栏和“{media}”微信公众号，主动公开各类政府信息{n_info}条，其中机构职能、政策文件、人事信息等基础信息{n_base}条，工作动态{n_news}条，做到应公开尽公开。",
    "全年通过区政府网站发布政府信息{n_info}条，同步在政务新媒体推送{n_media}条，及时更新政府信息公开指南和主动公开目录，确保公开内容与实际工作同步。",
    "{me}坚持“公开为常态、不公开为例外”，将公开要求贯穿决策、执行、管理、服务、结果全过程，{year}年累计公开政府信息{n_info}条，较上年增长{n_growth}%。",
    "按照区政务公开办的统一部署，{year}年{short}在区政府网站发布各类信息{n_info}条，其中通知公告{n_notice}条、工作动态{n_news}条，并在办公场所设置政府信息查阅点{n_point}个，方便群众就近查阅。",
)
KEY = (
    "围绕{t1}、{t2}、{t3}等群众关心关注的领域，及时公开相关政策文件、办事指南和实施情况，主动接受社会监督。",
    "聚焦{t1}、{t2}等重点领域，细化公开标准，做到政策、程序、结果“三公开”，全年在重点领域专栏更新信息{n_key}条。",
    "{year}年，{me}将{t1}、{t2}、{t3}作为公开重点，逐项明确公开内容、公开时限和责任科室，切实保障群众的知情权、参与权和监督权。",
    "在{t1}方面，及时公开政策依据、办理流程和结果；在{t2}方面，定期发布工作进展情况；对{t3}相关信息实行动态更新，回应群众期盼。",
)
INTERPRET = (
    "坚持政策文件与解读材料同步起草、同步审签、同步发布，全年发布政策解读{n_interp}篇，其中图表图解{n_img}篇；参加区政府网站在线访谈{n_talk}次，回复网民留言{n_reply}条。",
    "加强政策解读和舆情回应，围绕{t1}等热点问题开展政策宣讲{n_talk}场，制作解读短视频{n_img}个，及时回应12345市民热线反映的热点问题。",
    "{year}年，{me}通过“{media}”等渠道发布解读信息{n_interp}条，邀请业务科室负责人走进直播间开展在线访谈{n_talk}次，解答群众关心的政策问题。",
)
PLATFORM = (
    "持续加强区政府网站“{short}”专栏和“{media}”微信公众号建设，全年专栏更新信息{n_col}条，公众号推送信息{n_media}条，累计阅读量{n_reads}万余次。",
    "落实政务新媒体“三审三校”制度，对“{media}”公众号开展季度自查{n_check}次，及时整改错链断链、更新不及时等问题，平台运行平稳。",
    "优化政府信息公开专栏栏目设置，新增子栏目{n_newcol}个，对{n_oldcol}个长期未更新的栏目进行整合，提升了信息查找的便利性。",
)
SUPERVISION = (
    "调整充实政务公开工作领导小组，明确{unit}为牵头科室，配备专兼职工作人员{n_staff}名，将政务公开工作纳入科室年度目标责任考核。",
    "建立信息发布审核机制，实行科室初审、{unit}复审、分管领导终审的“三审”制度，全年组织政务公开业务培训{n_train}次。",
    "主动接受社会监督，在区政府网站公布监督电话和电子邮箱，认真听取群众对政务公开工作的意见建议，全年未收到涉及政务公开工作的投诉。",
)
HEADINGS = {  # proactive paragraph kind -> heading synonyms (this year and last year differ)
    "main": ("主动公开情况", "主动公开基本情况", "信息发布情况"),
    "key": ("重点领域信息公开", "重点信息公开情况", "聚焦重点领域公开"),
    "interpret": ("政策解读和回应关切", "政策解读情况", "解读回应情况"),
    "platform": ("平台建设情况", "公开平台建设", "政务新媒体管理"),
    "supervision": ("监督保障情况", "组织保障", "工作机制建设"),
    "docs": ("规范性文件管理", "行政规范性文件公开情况", "文件管理情况"),
    "enforce": ("执法信息公开", "行政执法公示", "执法决定公开情况"),
    "apps": ("依申请公开情况", "依申请公开办理情况", "政府信息公开申请办理"),
}
NUMBERINGS = (
    ("（一）", "（二）", "（三）", "（四）", "（五）"),
    ("1.", "2.", "3.", "4.", "5."),
    ("", "", "", "", ""),
)
PROBLEMS = (  # paired with IMPROVEMENTS by position
    "政策解读的形式还不够丰富，图表图解、视频解读等群众喜闻乐见的方式运用较少",
    "部分科室对政务公开工作重视不够，信息报送不够及时，存在重发布、轻更新的情况",
    "政务公开工作人员多为兼职，业务培训不够系统，对《条例》的理解和把握还有差距",
    "依申请公开答复的规范性有待提高，答复文书的说理还不够充分",
    "政务新媒体内容以转载为主，原创信息较少，与群众的互动交流不够",
    "重点领域信息公开的深度和广度还不够，部分信息公开内容较为简单",
    "政府网站专栏部分栏目更新不够及时，个别栏目信息量偏少",
    "公众参与政策制定的渠道还不多，意见征集和结果反馈机制有待完善",
    "政府信息管理还不够精细，历史文件梳理和公开属性标注进展较慢",
    "基层政务公开标准目录落实还不够到位，部分事项公开要素不全",
    "回应社会关切的主动性和时效性还需增强",
    "信息发布审核把关执行还不够严格，个别信息存在错别字和格式不规范问题",
)
IMPROVEMENTS = (
    "丰富政策解读形式，综合运用图表图解、短视频、在线访谈等方式，提升解读的针对性和可读性",
    "压实科室责任，建立信息报送台账，将政务公开纳入科室年度考核，确保信息及时更新",
    "加强业务培训，定期组织学习《中华人民共和国政府信息公开条例》和典型案例，提升工作人员业务能力",
    "规范依申请公开办理流程，完善答复文书模板，严格落实法律顾问审核，确保答复合法规范",
    "提升“{media}”等政务新媒体的原创能力，加强与群众的互动交流",
    "围绕{t1}、{t2}等重点领域进一步细化公开内容，提高信息公开质量",
    "定期开展网站栏目巡查，及时更新栏目内容，对长期空白栏目进行整合",
    "拓宽公众参与渠道，对涉及群众切身利益的政策文件广泛征求意见，并公开意见采纳情况",
    "做好历史文件清理，逐件确定公开属性，建立政府信息管理动态调整机制",
    "对照基层政务公开标准目录逐项梳理公开事项，补齐公开要素",
    "建立舆情监测和快速回应机制，及时回应群众关切",
    "严格执行信息发布“三审三校”制度，确保发布信息准确无误",
)
PROBLEM_INTROS = ("", "存在的主要问题：", "{me}政务公开工作虽取得一定成效，但仍存在一些不足：")
IMPROVEMENT_INTROS = ("", "改进措施：", "下一步，{me}将重点做好以下工作：")
ORDINALS = ("一是", "二是", "三是")
NO_APPLICATIONS = (
    "{year}年，{me}未收到政府信息公开申请。",
    "本年度{me}共收到政府信息公开申请0件，无上年结转申请。",
    "{year}年度，{me}没有收到政府信息公开申请。",
)
NO_APPEALS = (
    "{year}年，{me}未发生因政府信息公开引起的行政复议、行政诉讼案件。",
    "本年度未发生政府信息公开行政复议和行政诉讼。",
    "{year}年度，{me}无政府信息公开方面的行政复议和行政诉讼案件。",
)
OTHER_TEXTS = {
    "西安市樊川区人民政府办公室": (
        "（一）人大代表建议和政协委员提案办理结果公开情况。{year}年，{me}承办人大代表建议{n_bills}件、政协委员提案{n_motions}件，办理复文已全部在区政府网站公开。",
        "（二）落实上级年度政务公开工作要点情况。对照年度工作要点确定的{n_tasks}项任务，逐项明确责任科室和完成时限，均已按期完成。",
    ),
    "西安市樊川区市场监督管理局": ("本年度无其他需要报告的事项。",),
}


def _fill(template: str, ctx: Mapping[str, Any]) -> str:
    return template.format_map(ctx)


def _listing(items: Sequence[tuple[str, int]], unit: str = "件") -> str:
    """``予以公开8件、部分公开2件`` for the items that are not 0."""
    return "、".join(f"{label}{n}{unit}" for label, n in items if n)


def applications_text(variant: int, ctx: Mapping[str, Any], fig: Record) -> str:
    """A sentence on table 三 whose every number agrees with the table (R7)."""
    new, cin = fig["apps.new.total"], fig["apps.carried_in.total"]
    done, cout = fig["apps.results_total.total"], fig["apps.carried_over.total"]
    if new + cin == 0:
        return _fill(NO_APPLICATIONS[variant % len(NO_APPLICATIONS)], ctx)
    groups = [(label, sum(fig[f"apps.{r}.total"] for r in rows)) for label, rows in RESULT_GROUPS]
    detail = f"，其中{_listing(groups)}" if _listing(groups) else ""
    year, me = ctx["year"], ctx["me"]
    carried_in = f"，上年结转{cin}件" if cin else ""
    carried_over = f"，结转下年度继续办理{cout}件" if cout else ""
    variant %= 4
    if variant == 0:
        return (f"{year}年，{me}共收到政府信息公开申请{new}件{carried_in}，办结{done}件{detail}"
                f"{carried_over}。")
    if variant == 1:
        return (f"全年新收政府信息公开申请{new}件{carried_in}。截至{year}年12月31日，已办结{done}件"
                f"{carried_over}。申请内容主要涉及{ctx['t1']}、{ctx['t2']}等方面。")
    if variant == 2:
        head = f"{year}年，{me}受理政府信息公开申请{new + cin}件" + (
            f"（含上年结转{cin}件）" if cin else "")
        if not cout:
            return head + "，均已在法定期限内办结并答复申请人。"
        return f"{head}，已办结{done}件，结转下年度继续办理{cout}件。"
    natural = fig["apps.new.natural"]
    sources = _listing([("来自自然人的", natural), ("来自法人或其他组织的", new - natural)])
    return (f"本年度新收政府信息公开申请{new}件，其中{sources}{carried_in}。全年办结{done}件"
            f"{carried_over}。")


def appeals_text(variant: int, ctx: Mapping[str, Any], fig: Record) -> str:
    """Sentences on table 四; a 'none' sentence only where the totals are 0 (W4)."""
    review = fig["review.total"]
    direct, after = fig["suit_direct.total"], fig["suit_after_review.total"]
    suits = direct + after
    if not (review or suits):
        return _fill(NO_APPEALS[variant % len(NO_APPEALS)], ctx)
    outcome = _listing([(label, fig[f"review.{part}"]) for part, label in APPEAL_PARTS[:-1]])
    kinds = _listing([("未经复议直接起诉", direct), ("复议后起诉", after)])
    year, me = ctx["year"], ctx["me"]
    variant %= 3
    if variant == 0:
        first = (f"{year}年，{me}因政府信息公开被申请行政复议{review}件，其中{outcome}。" if review
                 else "本年度未发生政府信息公开行政复议案件。")
        second = (f"被提起政府信息公开行政诉讼{suits}件，其中{kinds}。" if suits
                  else "本年度未发生政府信息公开行政诉讼案件。")
        return first + second
    if variant == 1:
        if review and suits:
            return (f"全年发生政府信息公开行政复议和行政诉讼案件共{review + suits}件，其中行政复议"
                    f"{review}件、行政诉讼{suits}件。行政复议案件中，{outcome}。")
        if review:
            return f"全年涉及{me}的政府信息公开行政复议案件{review}件，复议结果为{outcome}。"
        return f"全年涉及{me}的政府信息公开行政诉讼案件{suits}件（{kinds}），没有行政复议案件。"
    cases = _listing([("行政复议", review), ("行政诉讼", suits)])
    tail = f"截至年底，复议案件{outcome}。" if review else ""
    return f"针对{me}作出的政府信息公开答复，申请人提起{cases}。{tail}"


def docs_text(variant: int, ctx: Mapping[str, Any], fig: Record) -> str:
    """Table 二's 行政规范性文件 row in words (R7)."""
    issued, repealed = fig["normative.issued"], fig["normative.repealed"]
    in_force = fig["normative.in_force"]
    year, me = ctx["year"], ctx["me"]
    if issued and variant % 2 == 0:
        rep = f"，废止{repealed}件" if repealed else ""
        return ("严格执行行政规范性文件合法性审核、集体审议和备案制度，"
                f"{year}年制发行政规范性文件{issued}件{rep}，"
                f"截至年底现行有效行政规范性文件{in_force}件，均已在区政府网站集中公开。")
    if issued:
        rep = f"本年度废止行政规范性文件{repealed}件。" if repealed else ""
        return (f"全年制发行政规范性文件{issued}件，均在印发之日起20个工作日内公开，"
                f"同步发布解读材料。{rep}目前{me}现行有效的行政规范性文件共{in_force}件。")
    rep = f"本年度废止行政规范性文件{repealed}件，" if repealed else ""
    return (f"{year}年，{me}未制发行政规范性文件。{rep}现行有效行政规范性文件{in_force}件，"
            "已在区政府网站“行政规范性文件”栏目统一公开。")


def enforce_text(variant: int, ctx: Mapping[str, Any], fig: Record) -> str:
    """Table 二's decisions in words (they agree with the table)."""
    items = _listing([("行政许可决定", fig["licensing.decisions"]),
                      ("行政处罚决定", fig["penalty.decisions"]),
                      ("行政强制决定", fig["enforcement.decisions"])])
    if variant % 2 == 0:
        return (f"严格落实行政执法公示制度，通过“{ctx['media']}”和“信用中国（陕西西安）”"
                f"等平台公示{items}，执法信息做到“应公开尽公开”。")
    return f"{ctx['year']}年，{ctx['me']}依法公开{items}，均在作出决定之日起7个工作日内公开。"


FIXED_POOLS: dict[str, tuple[str, ...]] = {
    "overview_extra": OVERVIEW_EXTRA, "main": MAIN, "key": KEY, "interpret": INTERPRET,
    "platform": PLATFORM, "supervision": SUPERVISION,
}
BUILT: dict[str, Callable[[int, Mapping[str, Any], Record], str]] = {
    "apps": applications_text, "docs": docs_text, "enforce": enforce_text,
}
VARIANTS = {"apps": 4, "appeals": 3, "docs": 2, "enforce": 2, "problem_intro": 3,
            "improvement_intro": 3, **{k: len(v) for k, v in FIXED_POOLS.items()}}


def overview_pool(agency: Agency) -> tuple[str, ...]:
    return OVERVIEW + OVERVIEW_GRASSROOTS if agency.kind in ("street", "town") else OVERVIEW


def paragraph(kind: str, variant: int, ctx: Mapping[str, Any], fig: Record) -> str:
    if kind in BUILT:
        return BUILT[kind](variant, ctx, fig)
    pool = FIXED_POOLS[kind]
    return _fill(pool[variant % len(pool)], ctx)


def numbers(agency: Agency, rng: random.Random) -> dict[str, int]:
    """Counts the narrative gives that no table holds (the checker must leave them alone)."""
    scale = {"office": 8.0, "street": 0.6, "town": 0.5}.get(agency.kind, 1.0)
    if agency.kind == "dept" and agency.apps[1] >= 30:
        scale = 2.5
    interp = rng.randint(3, 24)
    info = int(rng.randint(120, 360) * scale)
    return {
        "n_info": info, "n_base": info // rng.randint(3, 5), "n_news": info // rng.randint(2, 3),
        "n_notice": info // rng.randint(6, 9), "n_media": int(info * rng.uniform(0.6, 1.4)),
        "n_key": info // rng.randint(4, 7), "n_growth": rng.randint(3, 18),
        "n_point": rng.randint(1, 3), "n_interp": interp, "n_img": rng.randint(1, min(9, interp)),
        "n_talk": rng.randint(1, 6), "n_reply": rng.randint(12, 180),
        "n_col": info // rng.randint(2, 4), "n_reads": rng.randint(2, 60),
        "n_check": rng.randint(4, 12), "n_fixed": rng.randint(3, 20), "n_newcol": rng.randint(2, 8),
        "n_oldcol": rng.randint(2, 6), "n_staff": rng.randint(2, 6), "n_meet": rng.randint(2, 6),
        "n_train": rng.randint(2, 5), "n_people": rng.randint(30, 160),
        "n_bills": rng.randint(15, 40), "n_motions": rng.randint(20, 50),
        "n_tasks": rng.randint(40, 70),
    }


def texts(agency: Agency, rng: random.Random, year: int, fig: Record,
          pick: Mapping[str, int], items: Sequence[int], skip: Collection[str] = ()) -> Record:
    """One year's narrative. ``pick`` chooses each pool's variant, ``items`` the problems.

    The optional sections named in ``skip`` are left empty: their one or two set sentences would
    read much like the other year's (W3).
    """
    topics = list(agency.topics)
    rng.shuffle(topics)
    ctx: dict[str, Any] = {
        "year": year, "name": agency.name, "short": agency.short, "me": agency.me,
        "media": agency.media, "unit": agency.unit, "t1": topics[0], "t2": topics[1],
        "t3": topics[2], "board": "村务公开栏" if agency.kind == "town" else "社区公开栏",
        **numbers(agency, rng),
    }
    pool = overview_pool(agency)
    overview = [_fill(pool[pick["overview"] % len(pool)], ctx)]
    if rng.random() < 0.5:
        overview.append(paragraph("overview_extra", pick["overview_extra"], ctx, fig))
    has_apps = fig["apps.new.total"] + fig["apps.carried_in.total"] > 0
    record: Record = {}
    said = False  # whether table 三 is already told (in its own section or in the overview)
    if "text.applications" not in skip and rng.random() < (0.6 if has_apps else 0.3):
        record["text.applications"] = applications_text(pick["apps"], ctx, fig)
        said = True
    elif rng.random() < 0.3:
        overview.append(applications_text(pick["apps"], ctx, fig))
        said = True
    extras = ["interpret", "platform", "supervision"]
    if fig["normative.in_force"] or fig["normative.issued"]:
        extras.append("docs")
    if fig["licensing.decisions"] + fig["penalty.decisions"] + fig["enforcement.decisions"]:
        extras.append("enforce")
    kinds = ["main", "key", *rng.sample(extras, rng.randint(0, 2))]
    if not said and rng.random() < 0.4:
        kinds.append("apps")
    numbering = NUMBERINGS[pick["numbering"]]
    proactive = []
    for i, kind in enumerate(kinds):
        body = paragraph(kind, pick[kind], ctx, fig)
        heading = HEADINGS[kind][pick["heading"] % len(HEADINGS[kind])]
        proactive.append(f"{numbering[i]}{heading}。{body}" if numbering[i] else body)
    appeals = sum(fig[f"{prefix}.total"] for prefix, _top, _second in APPEAL_GROUPS)
    if "text.appeals" not in skip and (appeals or rng.random() < 0.45):
        record["text.appeals"] = appeals_text(pick["appeals"], ctx, fig)
    problems = "；".join(f"{ORDINALS[i]}{PROBLEMS[n]}" for i, n in enumerate(items))
    improvements = "；".join(f"{ORDINALS[i]}{IMPROVEMENTS[n]}" for i, n in enumerate(items))
    record.update({
        "text.overview": "\n".join(overview),
        "text.proactive": "\n".join(proactive),
        "text.problems": _fill(PROBLEM_INTROS[pick["problem_intro"]] + problems + "。", ctx),
        "text.improvements": _fill(
            IMPROVEMENT_INTROS[pick["improvement_intro"]] + improvements + "。", ctx),
        "text.other": "\n".join(_fill(t, ctx) for t in OTHER_TEXTS.get(agency.name, ())),
    })
    return record


# --- records --------------------------------------------------------------------------------------


def _basics(agency: Agency, year: int) -> Record:
    date = REPORT_DATES.get(agency.name, dt.date(YEAR + 1, 1, 20))
    return {
        "agency": agency.name,
        "year": year,
        "email": agency.email,
        "report_date": date.replace(year=year + 1),
        CONTACT: agency.contact,
    }


def agency_records(agency: Agency) -> tuple[Record, Record]:
    """The agency's rows of last year and of this year."""
    rng = random.Random(f"{SEED}:{agency.name}")
    if agency.apps[1] >= 30:
        carried_2022 = spread(rng.randint(1, 6), COLUMN_WEIGHTS, rng)
    else:
        carried_2022 = dict.fromkeys(APPLICANT_COLUMNS, 0)
    in_force_2022 = rng.randint(*agency.docs[:2])
    last = figures(agency, rng, carried_2022, in_force_2022)
    carried_in = {c: last[f"apps.carried_over.{c}"] for c in APPLICANT_COLUMNS}
    if agency.name == W1_BREAK:
        carried_in = dict.fromkeys(APPLICANT_COLUMNS, 0)
    fee = PROCESSING_FEES.get(agency.name, (0, 0.0, 0.0, 0))
    this = figures(agency, rng, carried_in, last["normative.in_force"], fee)
    pick_this: dict[str, int] = {"numbering": rng.randrange(len(NUMBERINGS))}
    pick_last = dict(pick_this)
    for name, count in {**VARIANTS, "overview": len(overview_pool(agency)), "heading": 3}.items():
        pick_this[name], pick_last[name] = rng.sample(range(count), 2)
    order = rng.sample(range(len(PROBLEMS)), len(PROBLEMS))
    size = rng.randint(2, 3)
    this_texts = texts(agency, rng, YEAR, this, pick_this, order[:size])
    last_texts = texts(agency, rng, YEAR - 1, last, pick_last, order[size:2 * size], this_texts)
    if agency.name == REPEATS_IMPROVEMENTS:
        this_texts["text.problems"] = last_texts["text.problems"]
        this_texts["text.improvements"] = last_texts["text.improvements"]
    if agency.name == REPEATS_OVERVIEW:  # its first paragraph holds no figure of the tables
        this_texts["text.overview"] = this_texts["text.overview"].split("\n")[0]
        last_texts["text.overview"] = this_texts["text.overview"].replace(
            f"{YEAR}年", f"{YEAR - 1}年")
    return ({**_basics(agency, YEAR - 1), **last, **last_texts},
            {**_basics(agency, YEAR), **this, **this_texts})


def seed_records() -> tuple[Record, Record]:
    """The published report as this year's row; an invented, all-zero row for last year."""
    rng = random.Random(f"{SEED}:{SEED_AGENCY.name}")
    zero = figures(SEED_AGENCY, rng, dict.fromkeys(APPLICANT_COLUMNS, 0), 0)
    pick = dict.fromkeys((*VARIANTS, "overview", "heading", "numbering"), 1)
    last_texts = texts(SEED_AGENCY, rng, YEAR - 1, zero, pick, (0, 6))
    basics = _basics(SEED_AGENCY, YEAR)
    del basics["report_date"]  # the published text carries no date
    this = {**basics, **{f.key: 0 for f in FIGURE_FIELDS}, **SEED_TEXTS}
    return {**_basics(SEED_AGENCY, YEAR - 1), **zero, **last_texts}, this


def build_records() -> tuple[list[Record], list[Record]]:
    """Last year's and this year's rows, in the same agency order."""
    pairs = [agency_records(a) for a in AGENCIES] + [seed_records()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


# --- writing --------------------------------------------------------------------------------------


def workbook_bytes(records: Sequence[Record]) -> bytes:
    """The master workbook as bytes that do not depend on the time of the run."""
    book = new_workbook(records)
    book.properties.creator = "annual-report sample"
    book.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" when saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def write_sample(folder: Path) -> tuple[Path, Path]:
    """Write both sample workbooks into ``folder``; return (this year's, last year's)."""
    last, this = build_records()
    paths = folder / MASTER, folder / MASTER_LAST_YEAR
    atomic_write_bytes(paths[0], workbook_bytes(this))
    atomic_write_bytes(paths[1], workbook_bytes(last))
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "input", help="output folder")
    args = parser.parse_args(argv)
    for path in write_sample(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
