"""Validation of content/categories.yaml."""

from pathlib import Path

import pytest

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content.files import ContentError, load_categories

REQUIRED_NAMES = {
    "刷单返利",
    "虚假投资理财",
    "虚假网络贷款",
    "冒充电商物流客服",
    "冒充公检法",
    "虚假征信",
    "虚假购物服务",
    "冒充领导熟人",
    "网络游戏虚假交易",
    "网络婚恋交友(杀猪盘)",
    "冒充亲友借钱",
    "虚假中奖/退税",
    "出租出借两卡(跑分洗钱)",
    "养老诈骗",
    "虚假招聘与出国务工",
    "冒充军警采购",
    "冒充政府部门与公益组织",
    "反诈常识",
}


def test_shipped_categories_are_valid_and_complete():
    """The shipped file passes validation and has the 18 categories."""
    categories = load_categories(PROJECT_ROOT / "content" / "categories.yaml")
    assert {c.name for c in categories} == REQUIRED_NAMES
    assert len({c.slug for c in categories}) == len(categories)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "categories.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
categories:
  - slug: {slug}
    name: 冒充公检法
    description: 公检法机关不会通过电话办案，更没有所谓的安全账户。
    risk_groups: [{group}]
"""


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.format(slug="Bad Slug", group="elderly"), "categories[0].slug"),
        (GOOD.format(slug="ok", group="aliens"), "categories[0].risk_groups.0"),
        ("categories:\n  - slug: ok\n", "categories[0].name"),
        ("nothing: here\n", "categories"),
        ("categories: [\n", "-"),
    ],
)
def test_invalid_files_name_the_file_and_the_field(tmp_path, text, field):
    """Every problem names the file and the offending field."""
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_categories(path)
    assert caught.value.path == str(path)
    assert caught.value.field == field


def test_duplicate_slugs_are_refused(tmp_path):
    """Two entries with one slug are an error on the second."""
    text = GOOD.format(slug="dup", group="elderly") + GOOD.format(
        slug="dup", group="elderly"
    ).replace("categories:\n", "")
    with pytest.raises(ContentError, match="duplicate"):
        load_categories(write(tmp_path, text))
