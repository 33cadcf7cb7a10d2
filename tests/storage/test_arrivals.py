"""One statement tells the router what it needs about an arriving message."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import FixedClock, stamp
from bot.demo import load_demo
from storage import arrivals, inbound, members, open_store, sessions


def test_a_stranger_a_member_a_retry_and_wecom(
    new_db: Callable[..., str], clock: FixedClock
) -> None:
    store = open_store(new_db("a.db"))
    try:
        now = stamp(clock.now())
        load_demo(store, now)
        nobody = arrivals.lookup(store, "k1", "wechat", "o-new")
        assert nobody.logged is None and nobody.member is None
        assert nobody.last_inbound is None and nobody.state == {}

        zhang = members.by_phone(store, "13800000003")
        assert zhang is not None
        members.bind(store, "wechat", "o-zw", zhang.id, now)
        members.touch_follower(store, "wechat", "o-zw", now)
        sessions.save(store, "wechat", "o-zw", {"last_answer": {"q": 1}}, now)
        known = arrivals.lookup(store, "k2", "wechat", "o-zw")
        assert known.member == members.bound_member(store, "wechat", "o-zw")
        assert known.last_inbound == now and known.state == {"last_answer": {"q": 1}}
        assert known.logged is None

        inbound.record(
            store, "k2", "wechat", "o-zw", "text", "帮助", now, "我能帮你做这些", "help", b"<xml/>"
        )
        again = arrivals.lookup(store, "k2", "wechat", "o-zw")
        assert again.logged is not None and again.logged["response"] == b"<xml/>"
        assert again.logged["intent"] == "help" and again.member == known.member

        store.execute(
            "UPDATE members SET wecom_userid = 'zhangwei' WHERE id = :id", {"id": zhang.id}
        )
        wecom = arrivals.lookup(store, "k3", "wecom", "zhangwei")
        assert wecom.member is not None and wecom.member.id == zhang.id
        assert arrivals.lookup(store, "k4", "wecom", "o-zw").member is None  # not an openid
        store.execute("UPDATE members SET active = 0 WHERE id = :id", {"id": zhang.id})
        former = arrivals.lookup(store, "k5", "wechat", "o-zw").member
        assert former is not None and not former.active  # the router acts on `active`
    finally:
        store.close()
