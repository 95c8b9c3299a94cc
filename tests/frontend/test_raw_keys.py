"""The journey test's detector of message keys shown raw: it finds what ``kernel.i18n.t`` renders
for a key it does not know (the key itself), and leaves alone what pages show legitimately."""

from raw_keys import raw_keys

from kernel.i18n import t


def test_a_missing_key_renders_as_itself_and_is_found():
    assert t("judges.no_such_text", "zh") == "judges.no_such_text"
    assert raw_keys(f"裁判库 {t('judges.no_such_text', 'en')} 共 3 人") == ["judges.no_such_text"]


def test_known_keys_in_any_spot_are_found_once():
    text = "（tier.provincial）· proposals.state.struck, tier.provincial\nevent.preset_save."
    assert raw_keys(text) == ["tier.provincial", "proposals.state.struck", "event.preset_save"]


def test_what_pages_show_legitimately_is_not_a_key():
    text = (
        "A1.1 拓扑设计 · B1.2 · 1.5 分 · http://testserver.local/tablet · admin@example.org · /static/app.js · "
        "评分标准.xlsx · results.json · GD2026-GDJN5-A-000001-6 · v1.2.3 · e.g. Mr. Smith"
    )
    assert raw_keys(text) == []
