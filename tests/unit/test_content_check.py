"""The content checker (issue 14) on small corpora: the fixtures and tiny edits of them."""

import shutil
from pathlib import Path

import frontmatter
import pytest
import yaml

from miniapp_api.content.check import check_corpus, sentences

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CLEAN = FIXTURES / "content_clean"
LEAKY = FIXTURES / "content_leaky"
BANK = "quizzes/shuadan-fanli.yaml"
CASE = "articles/shuadan-fanli-demo-case.md"


@pytest.fixture
def corpus(tmp_path):
    """A copy of the clean fixture to break one rule in."""
    folder = tmp_path / "content"
    shutil.copytree(CLEAN, folder)
    return folder


def edit_bank(folder: Path, change) -> None:
    path = folder / BANK
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document["questions"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def edit_article(folder: Path, name: str, change) -> None:
    path = folder / name
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    change(post)
    path.write_text(frontmatter.dumps(post), encoding="utf-8")


def question(questions: list, number: int) -> dict:
    return next(item for item in questions if item["id"] == f"shuadan-fanli-q{number:02d}")


def errors_with(report, *words: str) -> list[str]:
    return [error for error in report.errors if all(word in error for word in words)]


def test_leaky_bank_fails_on_the_longest_option_and_is_guessable():
    report = check_corpus(LEAKY)
    assert not report.ok
    assert errors_with(report, BANK, "right option is the longest in 5 of 5")
    assert report.stats["banks"]["shuadan-fanli"]["guess_longest_pct"] == 100.0
    assert report.stats["overall"]["guess_longest_pct"] == 100.0
    assert errors_with(report, "always picking the longest option")
    assert report.lines()[-1].startswith("Result: FAILED")


def test_clean_corpus_passes_with_its_numbers():
    report = check_corpus(CLEAN)
    assert report.ok, report.errors
    assert report.errors == [] and report.warnings == []
    bank = report.stats["banks"]["shuadan-fanli"]
    assert bank["longest_right_pct"] <= 35 and 0.8 <= bank["length_ratio"] <= 1.25
    assert bank["multiple_wrong_mix"] == {1: 1, 2: 1, 3: 1}
    overall = report.stats["overall"]
    assert overall["guess_longest_pct"] <= 45 and overall["guess_safety_pct"] <= 45
    assert overall["formats"] == {"case": 1, "rhyme": 1, "guide": 1}
    assert report.stats["categories"]["shuadan-fanli"]["articles"] == 2
    assert report.stats["categories"]["xujia-touzi-licai"]["questions"] == 0
    assert report.lines()[-1] == "Result: OK"


def test_right_options_much_shorter_break_the_length_ratio(corpus):
    def shorten(questions):
        for item in questions:
            if item["type"] == "single":
                right = next(o for o in item["options"] if o["key"] == item["answer"][0])
                right["text"] = right["text"][:5]

    edit_bank(corpus, shorten)
    report = check_corpus(corpus)
    assert errors_with(report, BANK, "mean length ratio right/wrong")
    assert not errors_with(report, "right option is the longest")


def test_safety_word_guess_over_45_percent_is_an_error(corpus):
    def signal(questions):
        for item in questions:
            if item["type"] != "single":
                continue
            for option in item["options"]:
                text = option["text"]
                for word in ("报警", "官方", "核实", "拒绝", "110"):
                    text = text.replace(word, "问问")
                option["text"] = text
            right = next(o for o in item["options"] if o["key"] == item["answer"][0])
            right["text"] = right["text"][:-2] + "核实"

    edit_bank(corpus, signal)
    report = check_corpus(corpus)
    assert report.stats["overall"]["guess_safety_pct"] == 100.0
    assert errors_with(report, "always picking an option with a safety word")


@pytest.mark.parametrize(
    ("answer", "extra", "fails"),
    [(["a", "b", "c", "d"], False, True), (["a"], True, True), (["a"], False, False)],
    ids=["no-wrong", "four-wrong", "three-wrong"],
)
def test_multiple_choice_needs_one_to_three_wrong_options(corpus, answer, extra, fails):
    def change(questions):
        item = question(questions, 7)
        item["answer"] = answer
        if extra:
            item["options"].append({"key": "e", "text": "对方主动提出原路退款"})

    edit_bank(corpus, change)
    found = errors_with(check_corpus(corpus), "(shuadan-fanli-q07)", "1 to 3 wrong options")
    assert bool(found) == fails


def test_multiple_choice_stem_ends_with_the_mark(corpus):
    edit_bank(corpus, lambda qs: question(qs, 8).update(stem="下面哪些做法是对的？"))
    assert errors_with(check_corpus(corpus), "(shuadan-fanli-q08)", "（多选）")


def test_one_count_of_wrong_options_may_not_dominate_a_bank(corpus):
    def same_mix(questions):
        template = question(questions, 7)
        for number in range(11, 15):
            questions.append({**template, "id": f"shuadan-fanli-q{number}"})

    edit_bank(corpus, same_mix)
    report = check_corpus(corpus)
    assert errors_with(report, BANK, "5 of 7 multiple-choice questions have 1 wrong option")


def test_short_options_unless_all_are_short(corpus):
    edit_bank(corpus, lambda qs: question(qs, 3)["options"][1].update(text="能信"))
    report = check_corpus(corpus)
    assert errors_with(report, "(shuadan-fanli-q03)", "option b shorter than 4")
    assert not errors_with(report, "(shuadan-fanli-q10)")  # 正确 / 错误


def test_question_article_must_exist_and_be_of_its_category(corpus):
    def change(questions):
        question(questions, 1)["article"] = "shuadan-fanli-missing"
        question(questions, 2)["article"] = "xujia-touzi-licai-demo"

    edit_bank(corpus, change)
    report = check_corpus(corpus)
    assert errors_with(report, "(shuadan-fanli-q01)", "does not exist")
    assert errors_with(report, "(shuadan-fanli-q02)", "of category xujia-touzi-licai")


def test_trend_alert_needs_a_source(corpus):
    path = corpus / "alerts" / "trend-2023-07-demo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"测试数据"', '"  "'), "utf-8")
    assert errors_with(check_corpus(corpus), "alerts/trend-2023-07-demo.yaml", "source")


def test_elderly_articles_need_short_sentences(corpus):
    long_ = "她一直觉得网上那些点个赞就能赚钱的兼职应该是真的所以就按照对方的要求一步一步地操作了。"

    def lengthen(post):
        post.content = post.content + "\n\n" + long_ * 3

    edit_article(corpus, CASE, lengthen)
    report = check_corpus(corpus)
    assert not errors_with(report, CASE, "mean sentence length")  # one long paragraph only
    assert [w for w in report.warnings if CASE in w and "3 sentences over 40" in w]
    edit_article(corpus, CASE, lambda post: setattr(post, "content", long_ * 8))
    assert errors_with(check_corpus(corpus), CASE, "mean sentence length")


def test_sentences_split_at_end_marks_and_list_items():
    text = (
        "## 标题\n\n他说：“快转账。”我没转。\n\n- 不转账\n- 马上报警！\n\n*本文根据公开案例改编。*"
    )
    assert sentences(text) == [
        "他说：“快转账。”",
        "我没转。",
        "不转账",
        "马上报警！",
        "本文根据公开案例改编。",
    ]


def test_app_is_spelled_one_way(corpus):
    edit_bank(corpus, lambda qs: question(qs, 4)["options"][0].update(text="对，下载官方APP签协议"))
    edit_article(corpus, CASE, lambda post: setattr(post, "content", post.content + "\n装个app。"))
    report = check_corpus(corpus)
    assert errors_with(report, "(shuadan-fanli-q04)", "“APP”")
    assert errors_with(report, CASE, "“app”")
    assert not errors_with(report, "articles/xujia-touzi-licai-demo.md")  # “App”


def test_case_articles_carry_the_label(corpus):
    def unlabel(post):
        post.content = post.content.replace("*本文根据公开案例改编，人物均为化名。*", "")

    edit_article(corpus, CASE, unlabel)
    assert errors_with(check_corpus(corpus), CASE, "根据公开案例改编")


@pytest.mark.parametrize(
    ("points", "problem"),
    [
        (["凡是要你先垫钱的兼职都是诈骗"] * 4, "list of 1 to 3"),
        ([], "list of 1 to 3"),
        (["别垫钱"], "has 3 characters"),
        (["刷单" * 16], "has 32 characters"),
    ],
    ids=["four", "none", "too-short", "too-long"],
)
def test_key_points_are_one_to_three_short_sentences(corpus, points, problem):
    edit_article(corpus, CASE, lambda post: post.metadata.update(key_points=points))
    assert errors_with(check_corpus(corpus), CASE, problem)


def test_missing_key_points_is_a_warning(corpus):
    edit_article(corpus, CASE, lambda post: post.metadata.pop("key_points"))
    report = check_corpus(corpus)
    assert report.ok and any(CASE in w and "key_points" in w for w in report.warnings)


def test_tags_are_text_and_a_hotline_ending_is_a_warning(corpus):
    def change(post):
        post.metadata["tags"] = [96110, "刷单"]
        post.content += "\n\n- 拿不准拨打96110咨询。\n- 安装国家反诈中心App。"

    edit_article(corpus, CASE, change)
    report = check_corpus(corpus)
    assert errors_with(report, CASE, "tags must be a list of text")
    assert any(CASE in w and "hotline list" in w for w in report.warnings)
