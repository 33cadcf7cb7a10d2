"""The shipped question bank as content: corrected facts keep their key phrase, no question
copies the seed articles, no question tells one bureau's news story, and the sets keep their size."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.config import SHIPPED_QUIZZES
from bot.quiz.bank import Question, QuizBank
from tests.prose import STORIES, Seeds, load_seeds

BANK = QuizBank.load(SHIPPED_QUIZZES)
ROOT = Path(__file__).resolve().parents[2]


def q(question_id: str) -> Question:
    question = BANK.get(question_id)
    assert question is not None, question_id
    return question


def texts(question: Question) -> list[str]:
    """What a member reads, field by field (the source is a citation and is not checked)."""
    return [question.stem, *(text for _, text in question.options), question.explanation]


# -- corrected facts: each keeps the key phrase of the correction ------------------------------


def test_retirees_dues_base_is_the_basic_pension_2017() -> None:
    dues = q("dues-005")
    assert "基本离退休费" in dues.stem and "不含" in dues.stem
    assert "不包括津贴补贴" in dues.explanation
    assert "组电明字〔2017〕5号" in dues.source and "第五条" in dues.source
    assert dues.answer_text() == "0.5%"


def test_probationary_members_pay_from_article_8_hardship_is_article_7() -> None:
    probation, hardship = q("dues-009"), q("dues-017")
    assert probation.source.endswith("第八条") and "支部大会通过" in probation.answer_text()
    assert hardship.source.endswith("第七条") and hardship.answer == ("对",)
    assert "上一级党委批准" in hardship.stem


def test_probation_removes_party_posts_under_the_2023_regulation() -> None:
    probation = q("discipline-008")
    assert "《中国共产党纪律处分条例》（2023年修订）第十二条" in probation.source
    assert "自然撤销" in probation.explanation
    assert probation.answer_text() == "没有表决权、选举权和被选举权"
    for other in ("discipline-006", "discipline-016", "discipline-017", "discipline-019"):
        assert "（2023年修订）第十二条" in q(other).source, other


def test_dissolution_rule_follows_the_current_regulation() -> None:
    dissolved = q("discipline-022")
    assert "逐个" in dissolved.answer and "第十六条" in dissolved.source
    assert "全体或者多数" not in dissolved.stem  # wording of the 2015 text, gone since 2018


def test_mailing_limit_is_the_joint_notice_with_the_post_office() -> None:
    mailing = q("ecig-017")
    assert "国家邮政局" in mailing.source and "限量寄递的通告" in mailing.source
    assert mailing.answer_text() == "一件"


def test_ecig_015_was_replaced_by_the_carrying_limit() -> None:
    carrying = q("ecig-015")
    assert "异地" in carrying.stem and carrying.answer_text() == "90个"
    assert "异地限量携带的通告" in carrying.source
    assert "中小学生" not in carrying.stem  # the unconfirmed clause is gone


def test_licence_types_and_deadlines_cite_what_sets_them() -> None:
    kinds = q("license-001")
    assert kinds.answer_text() == "三类" and "实施细则》第三条" in kinds.source
    assert "行政许可法》第四十二条" in q("license-008").source
    assert "行政许可法》第四十四条" in q("license-010").source
    assert "生产经营类许可证" in q("license-002").stem


def test_12313_is_answered_by_provincial_centres_since_2021() -> None:
    hotline = q("market-004")
    assert "省级" in hotline.explanation and "全天候" in hotline.explanation
    assert "2021" in hotline.source


def test_branch_articles() -> None:
    assert q("branch-005").source.endswith("第十七条")  # 组织生活会
    assert q("service-004").source.endswith("第十三条")  # 党小组
    assert q("service-006").source.endswith("第十四条")  # who chairs the 党小组会
    assert q("branch-023").source.endswith("第二十一条")  # terms, 备案 and 批准


# -- copied prose and news stories ---------------------------------------------------------


def test_no_question_tells_one_bureaus_story() -> None:
    found = [(x.id, t) for x in BANK.questions for t in texts(x) if STORIES.search(t)]
    assert not found, found


def test_no_question_copies_the_seed_articles() -> None:
    seeds = load_seeds(ROOT)  # the articles beside the checkout, else their fingerprint
    copied = [(x.id, seeds.copied(t)) for x in BANK.questions for t in texts(x) if seeds.copied(t)]
    assert not copied, copied


def test_the_detector_sees_through_script_pinyin_and_punctuation() -> None:
    seeds = Seeds({"a.txt": "他說:黨小組長要比普通黨(dǎng)員先學一步、學深一些。"})
    assert seeds.copied("党小组长应当比普通党员先学一步，学深一些。") == [
        ("比普通党员先学一步学深一些", "a.txt")
    ]
    assert seeds.copied("小组长要先学、学深，给党员做样子。") == []
    # A named list quoted with its source is allowed.
    assert seeds.copied("“党小组长要比普通党员先学一步”，见该文。") == []


# -- size and spread -------------------------------------------------------------------------


def test_the_bank_keeps_its_size_and_spread() -> None:
    assert len(BANK) >= 256
    per_set = Counter(x.set for x in BANK.questions)
    assert len(per_set) == 12 and min(per_set.values()) >= 18, per_set
    assert per_set["服务型党组织建设"] >= 24
