"""Code lists the province counts by (代码表): the 20 strategic industry clusters, the 21
prefecture-level cities of Guangdong and the occupations contests are held in. Data, not rules:
each list has a version and says where it comes from, and a skill, a delegation or a statistic
names an entry by its code.

- Clusters: 《广东省人民政府关于培育发展战略性支柱产业集群和战略性新兴产业集群的意见》
  (粤府函〔2020〕82号): ten strategic pillar clusters (``P01``–``P10``) and ten strategic emerging
  clusters (``E01``–``E10``), in the order the document lists them.
- Cities: GB/T 2260 administrative division codes of the 21 地级以上市 (广州 4401 … 云浮 4453).
- Occupations: 《中华人民共和国职业分类大典（2022年版）》 codes of occupations (工种) contests are
  commonly held in — a starter list, extended as skills need (``OCCUPATIONS_VERSION`` changes).
"""

from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    kind: str = ""  # clusters: "pillar" / "emerging"


CLUSTERS_VERSION = "粤府函〔2020〕82号 (2020-09)"
CLUSTERS: tuple[Code, ...] = (
    Code("P01", "新一代电子信息", "New-generation electronic information", "pillar"),
    Code("P02", "绿色石化", "Green petrochemicals", "pillar"),
    Code("P03", "智能家电", "Smart home appliances", "pillar"),
    Code("P04", "汽车", "Automobiles", "pillar"),
    Code("P05", "先进材料", "Advanced materials", "pillar"),
    Code("P06", "现代轻工纺织", "Modern light industry and textiles", "pillar"),
    Code("P07", "软件与信息服务", "Software and information services", "pillar"),
    Code("P08", "超高清视频显示", "Ultra-HD video and display", "pillar"),
    Code("P09", "生物医药与健康", "Biomedicine and health", "pillar"),
    Code("P10", "现代农业与食品", "Modern agriculture and food", "pillar"),
    Code("E01", "半导体与集成电路", "Semiconductors and integrated circuits", "emerging"),
    Code("E02", "高端装备制造", "High-end equipment manufacturing", "emerging"),
    Code("E03", "智能机器人", "Intelligent robots", "emerging"),
    Code("E04", "区块链与量子信息", "Blockchain and quantum information", "emerging"),
    Code("E05", "前沿新材料", "Frontier new materials", "emerging"),
    Code("E06", "新能源", "New energy", "emerging"),
    Code("E07", "激光与增材制造", "Laser and additive manufacturing", "emerging"),
    Code("E08", "数字创意", "Digital creativity", "emerging"),
    Code("E09", "安全应急与环保", "Safety, emergency response and environmental protection", "emerging"),
    Code("E10", "精密仪器设备", "Precision instruments and equipment", "emerging"),
)  # fmt: skip

CITIES_VERSION = "GB/T 2260 (2023)"
CITIES: tuple[Code, ...] = (
    Code("440100", "广州市", "Guangzhou"), Code("440200", "韶关市", "Shaoguan"), Code("440300", "深圳市", "Shenzhen"),
    Code("440400", "珠海市", "Zhuhai"), Code("440500", "汕头市", "Shantou"), Code("440600", "佛山市", "Foshan"),
    Code("440700", "江门市", "Jiangmen"), Code("440800", "湛江市", "Zhanjiang"), Code("440900", "茂名市", "Maoming"),
    Code("441200", "肇庆市", "Zhaoqing"), Code("441300", "惠州市", "Huizhou"), Code("441400", "梅州市", "Meizhou"),
    Code("441500", "汕尾市", "Shanwei"), Code("441600", "河源市", "Heyuan"), Code("441700", "阳江市", "Yangjiang"),
    Code("441800", "清远市", "Qingyuan"), Code("441900", "东莞市", "Dongguan"), Code("442000", "中山市", "Zhongshan"),
    Code("445100", "潮州市", "Chaozhou"), Code("445200", "揭阳市", "Jieyang"), Code("445300", "云浮市", "Yunfu"),
)  # fmt: skip

OCCUPATIONS_VERSION = "职业分类大典 2022 (starter list, 2026-12)"
OCCUPATIONS: tuple[Code, ...] = (
    Code("6-31-01-03", "电工", "Electrician"),
    Code("6-18-02-04", "焊工", "Welder"),
    Code("6-18-01-01", "车工", "Turner"),
    Code("6-18-01-02", "铣工", "Miller"),
    Code("6-20-01-01", "装配钳工", "Assembly fitter"),
    Code("4-12-01-01", "汽车维修工", "Automobile maintenance technician"),
    Code("4-03-02-01", "中式烹调师", "Chinese cook"),
    Code("4-03-02-02", "中式面点师", "Chinese pastry cook"),
    Code("4-03-02-03", "西式烹调师", "Western cook"),
    Code("4-03-02-04", "西式面点师", "Western pastry cook"),
    Code("4-10-03-01", "美发师", "Hairdresser"),
    Code("4-10-03-02", "美容师", "Beautician"),
    Code("4-10-01-05", "养老护理员", "Elderly care worker"),
)  # fmt: skip

#: The shape of a 职业编码 (大类-中类-小类-细类), for a code not yet on the starter list.
OCCUPATION_CODE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")

CLUSTER_BY_CODE = {c.code: c for c in CLUSTERS}
CITY_BY_CODE = {c.code: c for c in CITIES}
OCCUPATION_BY_CODE = {c.code: c for c in OCCUPATIONS}
_CLUSTER_BY_NAME = {c.zh: c for c in CLUSTERS} | {c.zh + "产业集群": c for c in CLUSTERS} | {c.en.lower(): c for c in CLUSTERS}
_CITY_BY_NAME = {c.zh: c for c in CITIES} | {c.zh.removesuffix("市"): c for c in CITIES} | {c.en.lower(): c for c in CITIES}

#: What a delegation that is no city is counted as (a named industry or enterprise body).
INDUSTRY_DELEGATION = Code("industry", "行业/企业代表队", "Industry or enterprise delegation")
#: A skill that names no cluster.
NO_CLUSTER = Code("", "未归入产业集群", "No industry cluster")


def cluster(text: str | None) -> Code | None:
    """The cluster a skill's field names, by code or by name (as older events typed it), or None."""
    t = (text or "").strip()
    if not t:
        return None
    return CLUSTER_BY_CODE.get(t.upper()) or _CLUSTER_BY_NAME.get(t) or _CLUSTER_BY_NAME.get(t.lower())


def city_of_delegation(delegation: str | None) -> Code:
    """The city a delegation stands for (``广州市``, ``广州``, ``Guangzhou`` or ``440100``), else the
    industry / enterprise bucket."""
    t = (delegation or "").strip()
    for suffix in ("代表队", "代表团", "队"):
        if t.endswith(suffix) and t.removesuffix(suffix) in _CITY_BY_NAME:
            t = t.removesuffix(suffix)
            break
    return CITY_BY_CODE.get(t) or _CITY_BY_NAME.get(t) or _CITY_BY_NAME.get(t.lower()) or INDUSTRY_DELEGATION


def occupation(code: str | None) -> Code | None:
    """The listed occupation of a 职业编码, or None."""
    return OCCUPATION_BY_CODE.get((code or "").strip())


#: Age bands the province reports by (years at the event's start).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("<=22", 0, 22), ("23-35", 23, 35), ("36-45", 36, 45), ("46+", 46, None),
)  # fmt: skip


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for name, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return name
    return "unknown"


def code_lists() -> dict[str, object]:
    """All the lists with their versions, as the API serves them."""

    def rows(codes: tuple[Code, ...]) -> list[dict[str, str]]:
        return [dataclasses.asdict(c) for c in codes]

    return {
        "clusters": {"version": CLUSTERS_VERSION, "items": rows(CLUSTERS)},
        "cities": {"version": CITIES_VERSION, "items": rows(CITIES)},
        "occupations": {"version": OCCUPATIONS_VERSION, "items": rows(OCCUPATIONS)},
        "age_bands": [name for name, _, _ in AGE_BANDS],
    }


#: Contest tiers in the province's words (the rule presets' ``TIERS``).
TIERS: tuple[Code, ...] = (
    Code("worldskills", "世赛选拔", "WorldSkills selection"), Code("national", "国赛", "National"),
    Code("provincial", "省赛", "Provincial"), Code("city", "市赛", "City"),
    Code("industry", "行业赛", "Industry"), Code("enterprise", "企业赛", "Enterprise"),
)  # fmt: skip
TIER_BY_CODE = {c.code: c for c in TIERS}
