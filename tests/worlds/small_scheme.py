"""The scoring tests' small marking scheme, as a plain dict: the conftest's fixtures and the
modules that need it at import time (``test_acceptance``, ``test_board_view``) share it."""

from __future__ import annotations

from typing import Any

DESCRIPTORS = ["低于行业标准", "达到行业标准", "达到并部分超过", "优秀"]


def small_scheme_dict() -> dict[str, Any]:
    """Theory 100 (one measurement aspect) + practical 100 (M, banded M, deduction M, J, S)."""
    return {
        "skill": "焊接",
        "total": "100",
        "parts": {"theory": "30", "practical": "70"},
        "criteria": [
            {
                "id": "T",
                "name": "理论知识",
                "part": "theory",
                "mark": "100",
                "sub_criteria": [
                    {"id": "T1", "name": "理论考试", "aspects": [{"id": "T1.1", "description": "理论考试成绩", "kind": "S", "max_mark": "100"}]}
                ],
            },
            {
                "id": "A",
                "name": "尺寸精度",
                "part": "practical",
                "standards_section": "4",
                "mark": "40",
                "sub_criteria": [
                    {
                        "id": "A1",
                        "name": "关键尺寸",
                        "aspects": [
                            {"id": "A1.1", "description": "长度 100±0.1", "kind": "M", "max_mark": "10"},
                            {
                                "id": "A1.2",
                                "description": "宽度 50",
                                "kind": "M",
                                "max_mark": "10",
                                "mode": "banded",
                                "bands": [{"tolerance": "0.05", "mark": "10"}, {"tolerance": "0.1", "mark": "5"}],
                            },
                            {"id": "A1.3", "description": "安全规范", "kind": "M", "max_mark": "20", "mode": "deduction", "deduction_step": "2"},
                        ],
                    }
                ],
            },
            {
                "id": "B",
                "name": "外观与工艺",
                "part": "practical",
                "standards_section": "5",
                "mark": "60",
                "sub_criteria": [
                    {
                        "id": "B1",
                        "name": "焊缝外观",
                        "aspects": [
                            {"id": "B1.1", "description": "焊缝成形", "kind": "J", "max_mark": "30", "descriptors": DESCRIPTORS},
                            {"id": "B1.2", "description": "整体工艺", "kind": "S", "max_mark": "30"},
                        ],
                    }
                ],
            },
        ],
    }
