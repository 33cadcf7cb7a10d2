"""bot/when.py: the times secretaries type, relative to the organization's today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.when import WEEKDAYS, WhenError, examples, parse_when, show

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)  # a Wednesday

nows = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(TZ)
)
times = st.times(min_value=time(0, 0), max_value=time(23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


def at(text: str, now: datetime = NOW) -> datetime:
    return parse_when(text, now).at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天 09:00", "2026-12-03 09:00"),
        ("后天 15:00", "2026-12-04 15:00"),
        ("大后天 8:30", "2026-12-05 08:30"),
        ("周五 15:00", "2026-12-04 15:00"),
        ("星期五 15:00", "2026-12-04 15:00"),
        ("礼拜天 10:00", "2026-12-06 10:00"),
        ("周三 10:00", "2026-12-02 10:00"),  # today, still ahead
        ("周三 8:00", "2026-12-09 08:00"),  # today, already past: next week's
        ("本周一 9:00", "2026-11-30 09:00"),  # this week's, even though it has passed
        ("下周一 9点", "2026-12-07 09:00"),
        ("下个星期三 14:00", "2026-12-09 14:00"),
        ("下下周三 14:00", "2026-12-16 14:00"),
        ("12月11日 15:00", "2026-12-11 15:00"),
        ("12月11号 15:00", "2026-12-11 15:00"),
        ("十二月十一日 下午三点", "2026-12-11 15:00"),
        ("12-11 15:00", "2026-12-11 15:00"),
        ("12/11 15:00", "2026-12-11 15:00"),
        ("2026-12-11 15:00", "2026-12-11 15:00"),
        ("2026/12/5 9:30", "2026-12-05 09:30"),
        ("2026年12月5日 15:00", "2026-12-05 15:00"),
        ("11号 9点", "2026-12-11 09:00"),
        ("1号 9点", "2027-01-01 09:00"),  # the 1st has passed this month
        ("1月5日 9:00", "2027-01-05 09:00"),  # passed this year: next year
        ("下午3点", "2026-12-02 15:00"),
        ("3点半", "2026-12-02 15:30"),  # 1点-5点 without 上午 are afternoon hours
        ("3:00", "2026-12-02 03:00"),  # but 3:00 is what it says
        ("上午10点", "2026-12-02 10:00"),
        ("晚上7点半", "2026-12-02 19:30"),
        ("今晚7点", "2026-12-02 19:00"),
        ("明早8点", "2026-12-03 08:00"),
        ("中午12点", "2026-12-02 12:00"),
        ("中午1点", "2026-12-02 13:00"),
        ("凌晨2点", "2026-12-02 02:00"),
        ("9点15", "2026-12-02 09:15"),
        ("9点15分", "2026-12-02 09:15"),
        ("三点一刻", "2026-12-02 15:15"),
        ("今天 20:00", "2026-12-02 20:00"),
        ("15:00", "2026-12-02 15:00"),
        ("明天09:00", "2026-12-03 09:00"),
        ("１２月１１日（周五）１５：００", "2026-12-11 15:00"),
        ("後天 下午3點", "2026-12-04 15:00"),
        ("下週一 9點", "2026-12-07 09:00"),
        ("2028-02-29 9:00", "2028-02-29 09:00"),
    ],
)
def test_forms(text: str, expected: str) -> None:
    assert at(text).strftime("%Y-%m-%d %H:%M") == expected
    assert at(text).tzinfo == TZ


def test_rest_is_kept_as_typed() -> None:
    assert parse_when("明天 09:00 请带上《党章》！", NOW).rest == "请带上《党章》！"
    assert parse_when("後天 下午3點 開會", NOW).rest == "開會"
    assert parse_when("周五15:00，三楼", NOW).rest == "三楼"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("明天", "请写上具体时间（几点几分）。"),
        ("下午", "请写上具体时间（几点几分）。"),
        ("开会 明天 9点", "没看懂时间。"),
        ("25:00", "25:00 不是有效的时间，请检查。"),
        ("9:75", "9:75 不是有效的时间，请检查。"),
        ("12月32日 9:00", "没有 12月32日 这一天，请检查日期。"),
        ("2027-02-29 9:00", "没有 2月29日 这一天，请检查日期。"),
        ("13月1日 9:00", "没有 13 月，请检查日期。"),
        ("12月11日（周四）15:00", "12月11日是周五，不是周四，请核对日期。"),
        ("晚上12点", "晚上12点是第二天的0点，请写成「明天 00:00」这样。"),
        ("1500", "没看懂时间。"),
    ],
)
def test_errors(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW)
    assert str(caught.value) == reason


def test_show() -> None:
    moment = datetime(2026, 12, 11, 15, 0, tzinfo=TZ)
    assert show(moment) == "12月11日（周五）15:00"
    assert show(moment, now=NOW) == "12月11日（周五）15:00"
    assert show(moment, now=NOW.replace(year=2025)) == "2026年12月11日（周五）15:00"
    utc = moment.astimezone(ZoneInfo("UTC"))
    assert show(utc, TZ) == "12月11日（周五）15:00"  # stored instants are shown in the zone


@given(nows, st.integers(min_value=0, max_value=360), times)
def test_written_dates_read_back(now: datetime, ahead: int, clock_time: time) -> None:
    day = now.date() + timedelta(days=ahead)
    expected = datetime.combine(day, clock_time, tzinfo=TZ)
    hm = f"{clock_time:%H:%M}"
    for text in (
        f"{day.isoformat()} {hm}",
        f"{day.year}年{day.month}月{day.day}日 {hm}",
        f"{day.month}月{day.day}日 {hm}",
        f"{day.month}-{day.day} {hm}",
        f"{day.month}月{day.day}日（{'周' + WEEKDAYS[day.weekday()]}）{hm}",
    ):
        got = parse_when(text + " 内容", now)
        assert (got.at, got.rest) == (expected, "内容"), text


@given(nows, st.integers(min_value=0, max_value=6), times)
def test_weekdays_are_the_next_such_day(now: datetime, target: int, clock_time: time) -> None:
    hm = f"{clock_time:%H:%M}"
    name = WEEKDAYS[target]
    got = parse_when(f"周{name} {hm}", now).at
    assert got.weekday() == target and now < got <= now + timedelta(days=7)
    following = parse_when(f"下周{name} {hm}", now).at
    monday = now.date() - timedelta(days=now.weekday())
    assert following.date() == monday + timedelta(days=7 + target)


@given(nows)
def test_examples_are_in_the_future_and_read_back(now: datetime) -> None:
    for example in examples(now).split("、"):
        assert parse_when(example, now).at > now, example


def test_relative_days_follow_today() -> None:
    for offset, word in enumerate(("今天", "明天", "后天", "大后天")):
        assert at(f"{word} 23:00").date() == date(2026, 12, 2) + timedelta(days=offset)
