"""The demo event's data: its code, accounts, skills and marking schemes. Pure data, read by the
features' demo steps, the demo loader and the simulator (``server/demo.py``, ``server/simulate.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.scheme import BANDED, DEDUCTION, FULL_OR_ZERO, JUDGEMENT, MEASUREMENT

DEMO_EVENT_CODE = "GD2026"
DEMO_USERS = {"organiser": ("demo-organiser", "省技能竞赛组委会（演示）"), "province": ("demo-province", "省人社厅职业能力建设处（演示）")}
DEMO_PASSWORD = "demo-password-2026"
DEMO_SKILLS = [
    {"name": "电工", "occupation_code": "6-31-01-03", "industry_cluster": "E06", "groups": ["employee", "student"]},
    {"name": "数控车工", "occupation_code": "6-18-01-01", "industry_cluster": "E02", "groups": ["employee", "student"]},
    {"name": "网络安全", "occupation_code": "4-04-04-02", "industry_cluster": "P01", "groups": ["employee", "student"]},
]

#: The demo's second, finished event: a 2025 city contest (市赛) of one skill, scored, made final,
#: approved and certified by the same demo steps, so the province's figures show two tiers and
#: two years from the first start.
DEMO_SECOND_EVENT = {
    "name": "2025年广州市职业技能竞赛",
    "code": "GZ2025",
    "tier": "city",
    "starts_on": "2025-10-18",
    "ends_on": "2025-10-19",
    "venue": "广州市技师学院",
    "host": "广州市人力资源和社会保障局",
}
DEMO_SECOND_SKILLS = [DEMO_SKILLS[1]]  # 数控车工: the skill the results demo scores and makes final

DESCRIPTORS = ["低于行业标准", "达到行业标准", "达到并部分超过行业标准", "优秀，远超行业标准"]


# ---- marking schemes -------------------------------------------------------------------------


def _j(aid: str, text: str, mark: int) -> dict[str, Any]:
    return {"id": aid, "description": text, "kind": JUDGEMENT, "max_mark": str(mark), "descriptors": DESCRIPTORS}


def _m(aid: str, text: str, mark: int, mode: str = FULL_OR_ZERO, **extra: Any) -> dict[str, Any]:
    return {"id": aid, "description": text, "kind": MEASUREMENT, "max_mark": str(mark), "mode": mode, **extra}


def _crit(cid: str, name: str, part: str, subs: list[tuple[str, str, list[dict[str, Any]]]]) -> dict[str, Any]:
    total = sum(int(a["max_mark"]) for _, _, aspects in subs for a in aspects)
    return {
        "id": cid,
        "name": name,
        "part": part,
        "mark": str(total),
        "sub_criteria": [{"id": sid, "name": sname, "aspects": aspects} for sid, sname, aspects in subs],
    }


THEORY = _crit(
    "A",
    "理论知识",
    "theory",
    [
        (
            "A1",
            "理论考试（机考，客观题）",
            [
                _m("A1.1", "单项选择题（每题 1 分）", 40, DEDUCTION, deduction_step="1"),
                _m("A1.2", "多项选择题（每题 2 分）", 30, DEDUCTION, deduction_step="2"),
                _m("A1.3", "判断题（每题 1 分）", 30, DEDUCTION, deduction_step="1"),
            ],
        )
    ],
)

PRACTICAL: dict[str, list[dict[str, Any]]] = {
    "电工": [
        _crit(
            "B",
            "电气线路安装",
            "practical",
            [
                ("B1", "元器件安装与布线", [_j("B1.1", "元器件布局合理、安装牢固", 8), _j("B1.2", "导线敷设横平竖直、走线规范", 8)]),
                (
                    "B2",
                    "接线与检测",
                    [_m("B2.1", "主电路接线正确", 8), _m("B2.2", "控制电路接线正确", 8), _m("B2.3", "接地可靠、绝缘电阻测试合格", 8)],
                ),
            ],
        ),
        _crit(
            "C",
            "PLC 编程与调试",
            "practical",
            [
                (
                    "C1",
                    "程序设计",
                    [_j("C1.1", "程序结构清晰、注释规范", 10), _m("C1.2", "控制功能实现（每项缺陷扣 3 分）", 15, DEDUCTION, deduction_step="3")],
                ),
                ("C2", "人机界面", [_m("C2.1", "触摸屏组态与通信正常", 10)]),
            ],
        ),
        _crit(
            "D",
            "安全文明生产与职业素养",
            "practical",
            [
                (
                    "D1",
                    "安全与素养",
                    [
                        _m("D1.1", "安全操作规范（断电验电、个人防护，每次违规扣 2 分）", 10, DEDUCTION, deduction_step="2"),
                        _j("D1.2", "工位整洁、工具归位", 5),
                        _j("D1.3", "工作效率与职业素养", 10),
                    ],
                )
            ],
        ),
    ],
    "数控车工": [
        _crit(
            "B",
            "零件加工精度",
            "practical",
            [
                (
                    "B1",
                    "尺寸精度",
                    [
                        _m(
                            "B1.1",
                            "外圆 Φ40(0/−0.025)",
                            10,
                            BANDED,
                            bands=[{"tolerance": "0.01", "mark": "10"}, {"tolerance": "0.02", "mark": "6"}, {"tolerance": "0.03", "mark": "3"}],
                            requirement="Φ40 0/−0.025",
                        ),
                        _m(
                            "B1.2",
                            "内孔 Φ25(+0.021/0)",
                            10,
                            BANDED,
                            bands=[{"tolerance": "0.01", "mark": "10"}, {"tolerance": "0.02", "mark": "6"}, {"tolerance": "0.03", "mark": "3"}],
                            requirement="Φ25 +0.021/0",
                        ),
                        _m(
                            "B1.3",
                            "总长 60±0.05",
                            8,
                            BANDED,
                            bands=[{"tolerance": "0.02", "mark": "8"}, {"tolerance": "0.05", "mark": "5"}],
                            requirement="60±0.05",
                        ),
                        _m("B1.4", "螺纹 M30×2（通止规检验）", 7),
                    ],
                ),
                ("B2", "形位公差与表面", [_m("B2.1", "同轴度 ≤ 0.02", 5), _m("B2.2", "表面粗糙度 Ra1.6", 5)]),
            ],
        ),
        _crit(
            "C",
            "工艺与编程",
            "practical",
            [
                (
                    "C1",
                    "工艺",
                    [_j("C1.1", "加工工艺合理（装夹、刀具、切削参数）", 10), _j("C1.2", "数控程序编制规范", 10), _j("C1.3", "零件外观与去毛刺", 10)],
                )
            ],
        ),
        _crit(
            "D",
            "安全文明生产",
            "practical",
            [
                (
                    "D1",
                    "安全与 7S",
                    [
                        _m("D1.1", "设备操作规范（每次违规扣 2 分）", 10, DEDUCTION, deduction_step="2"),
                        _j("D1.2", "量具使用与保养", 5),
                        _j("D1.3", "工位整理与 7S 管理", 10),
                    ],
                )
            ],
        ),
    ],
    "网络安全": [
        _crit(
            "B",
            "网络安全基础设施配置",
            "practical",
            [
                (
                    "B1",
                    "安全设备配置",
                    [
                        _m("B1.1", "防火墙访问控制策略", 10),
                        _m("B1.2", "IPSec VPN 隧道建立", 10),
                        _m("B1.3", "入侵检测规则（每条错误扣 2 分）", 10, DEDUCTION, deduction_step="2"),
                        _m("B1.4", "日志审计配置", 10),
                    ],
                )
            ],
        ),
        _crit(
            "C",
            "渗透测试与漏洞修复",
            "practical",
            [
                (
                    "C1",
                    "渗透与加固",
                    [
                        _m("C1.1", "发现并利用漏洞（每个未完成扣 4 分）", 20, DEDUCTION, deduction_step="4"),
                        _m("C1.2", "漏洞修复与系统加固", 5),
                        _j("C1.3", "渗透测试报告质量", 10),
                    ],
                )
            ],
        ),
        _crit(
            "D",
            "应急响应与职业素养",
            "practical",
            [
                (
                    "D1",
                    "应急响应",
                    [
                        _j("D1.1", "应急响应处置流程规范", 10),
                        _j("D1.2", "取证分析报告", 10),
                        _m("D1.3", "安全操作规范（每次违规扣 1 分）", 5, DEDUCTION, deduction_step="1"),
                    ],
                )
            ],
        ),
    ],
}

GENERIC_PRACTICAL = [
    _crit("B", "实操任务一", "practical", [("B1", "完成质量", [_j("B1.1", "作品质量", 20), _m("B1.2", "功能达标", 20)])]),
    _crit("C", "实操任务二", "practical", [("C1", "完成质量", [_j("C1.1", "工艺规范", 15), _m("C1.2", "技术指标达标", 15)])]),
    _crit(
        "D",
        "安全文明生产",
        "practical",
        [("D1", "安全与素养", [_m("D1.1", "安全操作规范（每次违规扣 2 分）", 10, DEDUCTION, deduction_step="2"), _j("D1.2", "职业素养", 20)])],
    ),
]


def demo_scheme(skill_name: str, parts: dict[str, Any] | None = None) -> dict[str, Any]:
    """A realistic scheme for a demo skill: theory A (when the preset weights theory) and practical
    B–D, each part adding up to 100; the weights are the preset's (so they are left out here)."""
    parts = parts or {"theory": "30", "practical": "70"}
    criteria = [THEORY] if Decimal(str(parts.get("theory", 0) or 0)) > 0 else []
    criteria += PRACTICAL.get(skill_name, GENERIC_PRACTICAL)
    return {"skill": skill_name, "criteria": criteria}
