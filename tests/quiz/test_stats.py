"""quiz-stats, import-quizzes and export-quizzes from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from bot.cli import main
from bot.demo import load_demo
from bot.quiz import play
from bot.quiz.bank import QuizBank
from bot.quiz.stats import compute
from storage import members, open_store
from storage import quiz as store_quiz
from storage.db import Store
from tests import dbs
from tests.quiz.bankutil import DATA, RULES, fixture_bank


def run(tmp_path: Path, *args: str, quiz_dir: Path = DATA) -> tuple[int, str]:
    env = {"DANGJIAN_DB": dbs.db_for(tmp_path, "stats.db"), "DANGJIAN_QUIZ_DIR": str(quiz_dir)}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def answer_all(store: Store, bank: QuizBank, name: str, day: str, wrong: set[str]) -> None:
    who = int(store.scalar("SELECT id FROM members WHERE name = :name", {"name": name}))
    stamp = f"{day}T09:00:00+08:00"
    sid = play.start_set(store, bank, who, day, "daily", 5, stamp)
    assert sid is not None
    session = store_quiz.get_session(store, sid)
    assert session is not None
    while (cur := play.current(store, bank, sid)) is not None:
        play.present(store, who, day, cur, stamp)
        right = play.right_answer(cur.question, cur.shown)
        given = right
        if cur.question.id in wrong:
            given = {"对": "错", "错": "对"}.get(right, "A" if right != "A" else "B")
            if cur.question.type == "blank":
                given = "不对的答案"
        play.submit(store, who, session, cur, given, stamp)
    play.finish(store, RULES, who, members.get(store, who).group_id, session, stamp)  # type: ignore[union-attr]


def basic_bank() -> QuizBank:
    """The 5 questions of basic.yaml: every daily set holds all of them."""
    return QuizBank(q for q in fixture_bank().questions if q.path.endswith("basic.yaml"))


def seed(tmp_path: Path) -> Store:
    store = open_store(dbs.db_for(tmp_path, "stats.db"))
    load_demo(store, "2026-12-01T08:00:00+08:00")
    bank = basic_bank()
    answer_all(store, bank, "张伟", "2026-12-02", wrong={"t-judge-1", "t-blank-1"})
    answer_all(store, bank, "刘洋", "2026-12-02", wrong={"t-judge-1", "t-single-1"})
    answer_all(store, bank, "马超", "2026-12-03", wrong={"t-judge-1"})
    return store


def test_compute(tmp_path: Path) -> None:
    store = seed(tmp_path)
    stats = compute(store, basic_bank(), "2026-12-01", "2026-12-31")
    office = {g["grp"]: g for g in stats.groups if g["branch"] == "机关党支部"}
    assert office["综合党小组"]["members"] == 5 and office["综合党小组"]["takers"] == 2
    assert office["专卖党小组"]["takers"] == 0
    market = {g["grp"]: g for g in stats.groups if g["branch"] == "营销党支部"}
    assert market["城区党小组"]["takers"] == 1 and market["城区党小组"]["sets"] == 1
    assert sum(int(g["answered"]) for g in stats.groups) == 15
    assert sum(int(g["right"]) for g in stats.groups) == 10
    assert [(m[0], m[2], m[3]) for m in stats.missed] == [
        ("t-judge-1", 3, 3),
        ("t-blank-1", 3, 1),
        ("t-single-1", 3, 1),
    ]
    # Weak topics first: 未成年人 (0 of 3 right), then 党章 (2 of 3), 三会一课 (5 of 6) ...
    assert stats.tags[0] == ("未成年人", 3, 0)
    assert stats.tags[1] == ("党章", 3, 2)
    assert ("三会一课", 6, 5) in stats.tags
    only_market = compute(
        store,
        fixture_bank(),
        "2026-12-01",
        "2026-12-31",
        branch_id=int(members.branch_by_name(store, "营销党支部")["id"]),  # type: ignore[index]
    )
    assert {g["branch"] for g in only_market.groups} == {"营销党支部"}
    assert compute(store, fixture_bank(), "2026-12-04", "2026-12-31").missed == []


def test_quiz_stats_command(tmp_path: Path) -> None:
    seed(tmp_path).close()
    code, out = run(tmp_path, "quiz-stats", "--from", "2026-12-01", "--to", "2026-12-31")
    assert code == 0, out
    assert "【参与情况】" in out and "综合党小组" in out and "【薄弱知识点】" in out
    assert "【错得最多的10道题】" in out
    code, out = run(
        tmp_path,
        "quiz-stats",
        "--branch",
        "营销党支部",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
    )
    assert code == 0 and "机关党支部" not in out.split("【薄弱知识点】")[0]
    code, out = run(tmp_path, "quiz-stats", "--branch", "没有这个支部")
    assert code != 0 and "没有名为「没有这个支部」的支部" in out
    code, out = run(tmp_path, "quiz-stats", "--from", "12月1日")
    assert code != 0 and "日期格式" in out


def test_import_and_export_commands(tmp_path: Path) -> None:
    quiz_dir = tmp_path / "quizzes"
    quiz_dir.mkdir()
    code, out = run(
        tmp_path, "export-quizzes", "--template", str(tmp_path / "t.xlsx"), quiz_dir=quiz_dir
    )
    assert code == 0 and (tmp_path / "t.xlsx").exists()
    code, out = run(
        tmp_path,
        "import-quizzes",
        str(tmp_path / "t.xlsx"),
        "--name",
        "书记题库",
        quiz_dir=quiz_dir,
    )
    assert code == 0 and "已导入 4 道题" in out
    code, out = run(tmp_path, "export-quizzes", str(tmp_path / "all.xlsx"), quiz_dir=quiz_dir)
    assert code == 0 and "已导出 4 道题" in out
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["题型", "题干", "选项A", "选项B", "答案", "解析", "出处"])
    ws.append(["单选", "好题", "甲", "乙", "A", "解析", "《章程》第一条"])
    ws.append(["单选", "坏题", "甲", "乙", "C", "解析", "《章程》第一条"])
    wb.save(tmp_path / "bad.xlsx")
    code, out = run(tmp_path, "import-quizzes", str(tmp_path / "bad.xlsx"), quiz_dir=quiz_dir)
    assert code != 0 and "第3行：答案 C 不在选项中" in out and "未导入任何题目" in out
    assert len(list(quiz_dir.glob("*.yaml"))) == 1


def _recount(store: Store, start: str, end: str) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Per question and in all, straight from every answer (what the tallies must equal)."""
    rows = store.query(
        "SELECT a.question_id, COUNT(*) AS n, SUM(a.correct) AS r FROM quiz_attempts a"
        " JOIN quiz_sessions s ON s.id = a.session_id WHERE s.day BETWEEN :start AND :end"
        " AND a.correct IS NOT NULL GROUP BY a.question_id",
        {"start": start, "end": end},
    )
    per = {r["question_id"]: (int(r["n"]), int(r["r"])) for r in rows}
    return per, sum(n for n, _ in per.values()), sum(r for _, r in per.values())


def test_the_tallies_equal_a_recount_of_the_answers(tmp_path: Path) -> None:
    """quiz-stats reads tallies kept as answers come in (quiz_sessions.answered / .correct and
    quiz_results), not every answer: they must say what a recount says, practice sets and
    skips included, and a range that cuts through the days."""
    store = seed(tmp_path)
    bank = basic_bank()
    who = int(store.scalar("SELECT id FROM members WHERE name = '张伟'"))
    sid = play.start_set(store, bank, who, "2026-12-02", "practice", 5, "2026-12-02T10:00:00+08:00")
    assert sid is not None
    session = store_quiz.get_session(store, sid)
    cur = play.current(store, bank, sid)
    assert session is not None and cur is not None
    play.present(store, who, "2026-12-02", cur, "2026-12-02T10:00:00+08:00")
    play.submit(store, who, session, cur, None, "2026-12-02T10:00:00+08:00")  # 跳过: wrong
    for start, end in (("2026-12-01", "2026-12-31"), ("2026-12-02", "2026-12-02")):
        stats = store_quiz.question_results(store, start, end)
        per, answered, right = _recount(store, start, end)
        assert {r["question_id"]: (r["answered"], r["right"]) for r in stats} == per
        groups = store_quiz.participation(store, start, end)
        assert sum(g["answered"] for g in groups) == answered
        assert sum(g["right"] for g in groups) == right
    store.close()


def test_migration_0051_fills_the_tallies_from_existing_answers(tmp_path: Path) -> None:
    store = seed(tmp_path)
    store.execute("DELETE FROM quiz_results")
    store.execute("UPDATE quiz_sessions SET answered = 0, correct = 0")
    from storage.migrate import available

    step = next(m for m in available() if m.version == "0051_quiz_tallies")
    with store.tx():
        step.upgrade(_FillOnly(store))
    per, answered, right = _recount(store, "2026-12-01", "2026-12-31")
    stats = store_quiz.question_results(store, "2026-12-01", "2026-12-31")
    assert {r["question_id"]: (r["answered"], r["right"]) for r in stats} == per
    assert store.scalar("SELECT SUM(answered) FROM quiz_sessions") == answered == 15
    assert store.scalar("SELECT SUM(correct) FROM quiz_sessions") == right == 10
    store.close()


class _FillOnly:
    """Runs a migration's data statements on a database that already has its tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_column(self, *args: object) -> None:
        pass

    def create_table(self, *args: object) -> None:
        pass

    def execute(self, sql: str, params: dict[str, object] | None = None) -> object:
        return self.store.execute(sql, params)
