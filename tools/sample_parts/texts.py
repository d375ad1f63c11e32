"""Invented narrative texts whose numbers agree with the tables (R7) and last year (W3)."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from annual_report.format.model import (
    APPEAL_GROUPS,
    APPEAL_PARTS,
)

from .agencies import Agency
from .figures import RESULT_GROUPS

Record = dict[str, Any]


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


