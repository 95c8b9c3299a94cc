"""English pages name groups and skill levels in English, through the catalogue (``group.<kind>``,
``level.<n>``); a group the organiser named otherwise keeps its name."""

from __future__ import annotations

from harness import new_contestant, new_event

from kernel.i18n import group_label, level_label


def test_group_and_level_labels():
    assert group_label("职工组", "en") == "Employee group" and group_label("student", "en") == "Student group"
    assert group_label("职工组", "zh") == "职工组" and group_label("青年组", "en") == "青年组"
    assert level_label(0, "en") == "Apprentice" and level_label("技师", "en").startswith("Technician")
    assert level_label(4, "zh") == "技师" and level_label("", "en") == "" and level_label("未知", "en") == "未知"


async def test_contestant_list_in_english(admin):
    event = await new_event(admin)
    await new_contestant(admin, event["id"])
    r = await admin.get(f"/events/{event['id']}/contestants?lang=en", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert "Apprentice" in r.text and "学徒工" not in r.text
    zh = await admin.get(f"/events/{event['id']}/contestants?lang=zh", headers={"Accept": "text/html"})
    assert "学徒工" in zh.text
    # Every select is named for a screen reader: inside its label or with aria-label.
    import re

    for m in re.finditer(r"<select[^>]*>", zh.text):
        before = zh.text[: m.start()]
        assert "aria-label=" in m.group(0) or before.rfind("<label") > before.rfind("</label>"), m.group(0)
