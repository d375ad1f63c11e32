"""The sample district's agencies, and the one real published report (seed) verbatim."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
YEAR = 2024


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

