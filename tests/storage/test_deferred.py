"""Deferred writes: the log rows of read-only messages, written in batches by a thread of each
process, visible to that process until they are written, written at exit."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.channels.peer import WeChatPeer
from bot.clock import FixedClock, stamp
from bot.config import load_settings
from bot.demo import load_demo
from bot.services import build_services
from storage import Store, open_store
from storage import inbound as inbound_log
from storage.deferred import DeferredWrites, Entry
from tests.conftest import APPID, TOKEN, flask_transport
from tests.dbs import db_for


def _entry(key: str, touch: bool = False) -> Entry:
    row = {
        "key": key,
        "channel": "wechat",
        "openid": "o-1",
        "msg_type": "text",
        "content": "帮助",
        "now": "2027-01-01T00:00:00Z",
        "reply": "我能帮你做这些",
        "intent": "help",
        "response": f"<xml>{key}</xml>".encode(),
    }
    return Entry(log=row, touch=("wechat", "o-1", "2027-01-01T00:00:00Z") if touch else None)


def _logged(store: Store) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM inbound_log"))


def _eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


@pytest.fixture
def store(new_db: Callable[..., str]) -> Iterator[Store]:
    s = open_store(new_db("d.db"))
    yield s
    s.close()


def test_rows_wait_in_memory_visible_to_the_process_then_one_batch(store: Store) -> None:
    queue = DeferredWrites(store, interval=3600)  # the thread would wait an hour
    for n in range(5):
        assert queue.add(_entry(f"k{n}", touch=n == 0)) is None
    assert _logged(store) == 0 and queue.waiting() == 5
    assert queue.logged("k3") is not None and queue.logged("k3")["response"] == b"<xml>k3</xml>"
    assert queue.add(_entry("k3")) is None and queue.waiting() == 5  # a retry: the first stays
    assert queue.flush() == 5 and queue.batches == 1
    assert _logged(store) == 5 and queue.waiting() == 0 and queue.logged("k3") is None
    assert inbound_log.get(store, "k3")["response"] == b"<xml>k3</xml>"
    last = store.scalar("SELECT last_inbound_at FROM followers WHERE openid = 'o-1'")
    assert last is not None
    queue.close()


def test_the_thread_writes_them_within_the_interval(store: Store) -> None:
    queue = DeferredWrites(store, interval=0.02)
    for n in range(3):
        queue.add(_entry(f"t{n}"))
    assert _eventually(lambda: _logged(store) == 3)
    assert queue.batches >= 1
    queue.close()


def test_a_full_queue_is_written_without_waiting_for_the_interval(store: Store) -> None:
    from storage import deferred

    queue = DeferredWrites(store, interval=3600)
    for n in range(deferred.MAX_ROWS):
        queue.add(_entry(f"f{n}"))
    assert _eventually(lambda: _logged(store) == deferred.MAX_ROWS)
    queue.close()


def test_a_failed_write_keeps_the_rows_for_the_next_try(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = DeferredWrites(store, interval=3600)
    queue.add(_entry("a"))
    queue.add(_entry("b"))
    real = inbound_log.record_many
    calls: list[int] = []

    def broken(s: Store, rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 1:
            real(s, rows[:1])  # one row written, then the disk fills
            raise RuntimeError("disk full")
        real(s, rows)

    monkeypatch.setattr(inbound_log, "record_many", broken)
    assert queue.flush() == 0
    assert _logged(store) == 0  # the batch is one transaction: nothing half written
    assert queue.waiting() == 2 and queue.logged("a") is not None
    assert queue.flush() == 2 and _logged(store) == 2
    queue.close()


def test_immediate_mode_writes_at_once_and_a_row_logged_meanwhile_wins(store: Store) -> None:
    queue = DeferredWrites(store, interval=0)
    assert queue.add(_entry("i1")) is None and _logged(store) == 1
    other = _entry("i1")
    won = queue.add(Entry(log={**other.log, "response": b"<xml>second</xml>"}))
    assert won is not None and won["response"] == b"<xml>i1</xml>"


def test_a_batch_is_a_statement_per_table_and_a_logged_key_is_left_out_whole(
    store: Store,
) -> None:
    def question(key: str) -> dict[str, Any]:
        return {
            "channel": "wechat", "openid": "o-1", "member_id": None, "text": "党费", "norm": "党费",
            "outcome": "none", "entry_id": None, "score": None, "now": "2027-01-01T00:00:00Z",
            "msg_key": key,
        }  # fmt: skip

    def answer(key: str, state: dict[str, Any]) -> Entry:
        plain = _entry(key, touch=True)
        session = ("wechat", "o-1", state, "2027-01-01T00:00:00Z")
        return Entry(log=plain.log, touch=plain.touch, session=session, questions=(question(key),))

    queue = DeferredWrites(store, interval=0)
    assert queue.add(answer("a", {"n": 1})) is None  # written at once: logged before the batch
    batch = DeferredWrites(store, interval=3600)
    for entry in (answer("b", {"n": 2}), answer("c", {"n": 3}), answer("a", {"n": 99})):
        batch.add(entry)
    assert batch.session("wechat", "o-1") == {"n": 99}  # the latest of the account
    assert batch.flush() == 3
    assert _logged(store) == 3 and batch.session("wechat", "o-1") is None
    assert store.scalar("SELECT COUNT(*) FROM kb_questions") == 3  # one per message
    assert store.scalar("SELECT state FROM sessions") == '{"n": 3}'  # c over b; a left out
    assert store.scalar("SELECT response FROM inbound_log WHERE key = 'a'") == b"<xml>a</xml>"
    batch.close()


def test_close_writes_what_waits(store: Store) -> None:
    queue = DeferredWrites(store, interval=3600)
    queue.add(_entry("c1"))
    queue.close()
    assert _logged(store) == 1


def test_a_process_that_exits_normally_writes_its_rows(tmp_path: Path) -> None:
    db = db_for(tmp_path, "exit.db")
    open_store(db).close()
    script = textwrap.dedent(
        f"""
        from storage import open_store
        from storage.deferred import DeferredWrites
        from tests.storage.test_deferred import _entry
        store = open_store({db!r})
        queue = DeferredWrites(store, interval=3600)
        for n in range(3):
            queue.add(_entry(f"x{{n}}"))
        assert queue.waiting() == 3
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    store = open_store(db)
    try:
        assert _logged(store) == 3
    finally:
        store.close()


def test_a_forked_child_starts_with_an_empty_queue(store: Store) -> None:
    queue = DeferredWrites(store, interval=3600)
    queue.add(_entry("parent"))
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]

    def child() -> None:
        out.put((queue.waiting(), queue.logged("parent") is None))

    p = ctx.Process(target=child)
    p.start()
    p.join(30)
    assert out.get(timeout=5) == (0, True)
    assert queue.waiting() == 1  # the parent's rows are still the parent's to write
    queue.close()
    assert _logged(store) == 1


# -- through the webhook, with the production setting ----------------------------------------


@pytest.fixture
def batched(tmp_path: Path, clock: FixedClock) -> Iterator[WeChatPeer]:
    """The fake WeChat server against an app that writes read-only log rows in batches (the
    thread waits an hour: the test says when)."""
    s = load_settings(
        env={},
        dotenv=None,
        wechat_token=TOKEN,
        wechat_appid=APPID,
        db=db_for(tmp_path, "batched.db"),
        simulator="off",
        log_batch_ms=3_600_000,
    )
    services = build_services(s, clock=clock)
    load_demo(services.store, stamp(clock.now()))
    app = create_app(s, services)
    peer = WeChatPeer(flask_transport(app), TOKEN, APPID, now=lambda: clock.now().timestamp())
    peer.services = services  # type: ignore[attr-defined]
    peer.router = app.extensions["dangjian.router"]  # type: ignore[attr-defined]
    yield peer
    services.store.close()


def test_a_retry_before_the_batch_is_written_gets_the_same_bytes(batched: WeChatPeer) -> None:
    store: Store = batched.services.store  # type: ignore[attr-defined]
    router = batched.router  # type: ignore[attr-defined]
    xml = batched.text_xml("o-guest", "帮助", msg_id="880001")
    first = batched.post(xml)
    assert first.status == 200 and "我能帮你做这些" in first.text
    assert _logged(store) == 0 and router.deferred.waiting() == 1
    again = batched.post(xml)  # WeChat's retry, before the batch is written
    assert again.body == first.body
    assert router.deferred.flush() == 1
    assert _logged(store) == 1
    assert batched.post(xml).body == first.body  # and after: from the log
    assert _logged(store) == 1


def test_a_message_that_writes_is_not_deferred(batched: WeChatPeer) -> None:
    store: Store = batched.services.store  # type: ignore[attr-defined]
    router = batched.router  # type: ignore[attr-defined]
    assert "绑定成功" in batched.send("o-zw", "绑定 张伟 13800000003").text
    assert "打卡成功" in batched.send("o-zw", "打卡").text
    assert router.deferred.waiting() == 0 and _logged(store) == 2  # in their own transactions
    assert "已经打过卡" in batched.send("o-zw", "打卡").text  # the second changes nothing
    assert router.deferred.waiting() == 1


def test_a_policy_answer_waits_with_its_question_and_session(batched: WeChatPeer) -> None:
    store: Store = batched.services.store  # type: ignore[attr-defined]
    router = batched.router  # type: ignore[attr-defined]
    assert "绑定成功" in batched.send("o-zw", "绑定 张伟 13800000003").text
    xml = batched.text_xml("o-zw", "党费交纳标准", msg_id="880101")
    first = batched.post(xml)
    assert first.text.count("【") == 1 and router.deferred.waiting() == 1
    assert store.scalar("SELECT COUNT(*) FROM kb_questions") == 0  # not written yet
    assert batched.post(xml).body == first.body  # a retry meanwhile: the same bytes
    # the process sees the session the answer left, before its batch is written
    key = router.deferred.session("wechat", "o-zw")["last_answer"]["q"]
    assert key.endswith('["880101", "o-zw"]')
    assert "谢谢您的评价" in batched.send("o-zw", "有用").text  # write path: the batch first
    row = store.one("SELECT id, msg_key, outcome FROM kb_questions")
    assert row is not None and row["outcome"] == "answered" and row["msg_key"] == key
    assert store.scalar("SELECT question_id FROM kb_feedback") == row["id"]
    assert router.deferred.session("wechat", "o-zw") is None
    assert "last_answer" not in store.scalar("SELECT state FROM sessions")  # 有用 used it up


def test_a_question_answered_twice_by_two_processes_is_recorded_once(
    batched: WeChatPeer,
) -> None:
    store: Store = batched.services.store  # type: ignore[attr-defined]
    router = batched.router  # type: ignore[attr-defined]
    xml = batched.text_xml("o-guest", "党费交纳标准", msg_id="880201")
    first = batched.post(xml)
    entry = next(iter(router.deferred._pending.values()))
    assert entry.questions and entry.session is not None
    assert router.deferred.flush() == 1
    # another process answered the same retry before its batch: its entry writes nothing
    other = DeferredWrites(store, interval=0)
    assert other.add(entry) is not None  # the row logged first is returned, and wins
    assert store.scalar("SELECT COUNT(*) FROM kb_questions") == 1
    assert batched.post(xml).body == first.body
