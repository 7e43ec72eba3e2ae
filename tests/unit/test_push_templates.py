"""WeChat's rules for subscription message values (subscribeMessage.send answers 47003
otherwise), and the templates' configuration."""

from datetime import date, datetime

import pytest

from miniapp_api.push import templates
from miniapp_api.push.templates import fit


def test_thing_is_cut_to_20_characters():
    assert fit("thing", "冒充客服退款的诈骗近期明显增多请大家提高警惕不要转账") == (
        "冒充客服退款的诈骗近期明显增多请大家提…"
    )
    assert len(fit("thing", "x" * 50)) == 20
    assert fit("thing", "短标题") == "短标题"
    assert fit("thing", "  多余  空白\n换行 ") == "多余 空白 换行"


def test_phrase_keeps_at_most_5_chinese_characters():
    assert fit("phrase", "已通过") == "已通过"
    assert fit("phrase", "审核已经通过了") == "审核已经通"
    assert fit("phrase", "OK 通过!") == "通过"
    assert fit("phrase", "OK") == "通知"  # never empty


def test_character_string_is_32_ascii_letters_digits_or_symbols():
    assert fit("character_string", "AB12-34CD") == "AB12-34CD"
    assert fit("character_string", "取件码 K7P2Q9") == "K7P2Q9"
    assert len(fit("character_string", "A" * 40)) == 32


def test_number_letter_and_amount():
    assert fit("number", "共 12.5 分") == "12.5"
    assert len(fit("number", "9" * 40)) == 32
    assert fit("letter", "abc123def") == "abcdef"
    assert fit("amount", "30 元") == "¥30"
    assert len(fit("amount", "1" * 20)) == 11  # the sign and 10 digits


def test_name_is_10_chinese_characters_or_20_letters():
    assert fit("name", "王小明") == "王小明"
    assert fit("name", "欧阳慈溪市民志愿者王小明同志") == "欧阳慈溪市民志愿者王"
    assert fit("name", "Alexandra Wellington Smith") == "Alexandra Wellington"


def test_time_and_date_take_wechat_formats():
    moment = datetime(2026, 12, 1, 9, 5)
    assert fit("time", moment) == "2026年12月1日 09:05"
    assert fit("date", moment) == "2026年12月1日"
    assert fit("date", date(2026, 3, 8)) == "2026年3月8日"


def test_every_key_has_a_placeholder_and_settings_override_it():
    loaded = templates.load({}, {})
    assert set(loaded) == set(templates.KEYS)
    assert loaded["warning"].template_id == "dev-template-warning"
    assert all(t.page.startswith("pages/") for t in loaded.values())
    custom = templates.load(
        {"warning": "Tw-123"}, {"event_reminder": {"page": "pages/x/y", "fields": ["thing9"]}}
    )
    assert custom["warning"].template_id == "Tw-123"
    assert custom["event_reminder"].page == "pages/x/y"
    assert custom["event_reminder"].data({"thing9": "活动"}) == {"thing9": "活动"}


def test_bad_template_settings_are_refused():
    with pytest.raises(ValueError):
        templates.load({}, {"unknown": {}})
    with pytest.raises(ValueError):
        templates.load({}, ["warning"])
    with pytest.raises(ValueError):
        templates.load({}, {"warning": "Tw-1"})
    with pytest.raises(ValueError):
        templates.load({"warning": "same", "new_article": "same"}, {})
    with pytest.raises(ValueError):
        templates.load({}, {"warning": {"fields": ["Thing-1"]}})


def test_data_fits_every_field_to_its_type():
    chosen = templates.load({}, {})["reward_ready"]
    data = chosen.data(
        {"thing1": "防骗手提袋（限量版）加印慈溪反诈标志款", "character_string2": "取 K7P2"}
    )
    assert data == {
        "thing1": "防骗手提袋（限量版）加印慈溪反诈标志款",
        "character_string2": "K7P2",
        "thing3": "-",
        "time4": "-",
    }
