"""Times typed by secretaries, read relative to the organization's today.

Used by 定时通知, 会议 and the command line (`dangjian broadcast --at`, `dangjian meeting add`).
A moment is a day followed by a time of day; both parts have several spellings:

  day   今天 明天 后天 大后天 · 今晚 明早 明晚 · 周五 星期五 礼拜五 (the next one, today included
        while its time is still ahead) · 本周五 这周五 · 下周一 下下周三 · 12月11日 12月11号
        十二月十一日 · 12-11 12/11 12.11 · 2026-12-11 2026/12/11 2026年12月11日 · 11号
        (no day: today). A date may carry its weekday, 12月11日（周五）, which must agree.
        A month and day without a year that has already passed this year means next year;
        a day of the month alone that has passed means next month.
  time  15:00 15：00 · 15点 15点30 15点30分 3点半 三点一刻 15时 · 上午 早上 中午 下午 傍晚
        晚上 凌晨 in front (下午3点 = 15:00, 晚上7点半 = 19:30); 1点 to 5点 without one of
        these words are afternoon hours (3点 = 15:00), while 3:00 is 03:00

Full-width digits and punctuation and traditional characters (週五, 後天, 下午3點) are read too.
What follows the time is returned as `rest` exactly as it was typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.text import to_simplified

WEEKDAYS = "一二三四五六日"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_MONTH_DAY_CN = re.compile(rf"({_NUM})\s*月\s*({_NUM})\s*[日号]?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})(?![\d:])")
_RELATIVE = re.compile(r"(大后天|后天|明天|明日|今天|今日|今晚|今早|明早|明晚)")
_WEEK = re.compile(r"(下下个?|下个?|本|这个?)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])")
_DAY_OF_MONTH = re.compile(rf"({_NUM})\s*[日号]")
_WEEKDAY_NOTE = re.compile(r"\s*[(（]?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])\s*[)）]?")
_PERIOD = re.compile(r"(上午|早上|早晨|清晨|凌晨|中午|下午|午后|傍晚|晚上|夜里|夜间|早|晚)")
_TIME = re.compile(
    rf"({_NUM})\s*(?:"
    r"[:]\s*(\d{1,2})(?!\d)"  # 15:00
    r"|[点时]\s*(?:(半)|(一刻)|(三刻)|(\d{1,2}|[零〇一二三四五六七八九十]{1,3})\s*分?)?"  # 3点 3点半 3点20
    r")"
)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "今晚": 0, "今早": 0, "明天": 1, "明日": 1}
_RELATIVE_DAYS |= {"明早": 1, "明晚": 1, "后天": 2, "大后天": 3}
_RELATIVE_PERIOD = {"今晚": "晚上", "明晚": "晚上", "今早": "早上", "明早": "早上"}
_AFTERNOON = frozenset({"下午", "午后", "傍晚", "晚上", "夜里", "夜间", "晚"})
_MORNING = frozenset({"上午", "早上", "早晨", "清晨", "凌晨", "早"})


@dataclass(frozen=True)
class When:
    at: datetime
    rest: str


class WhenError(ValueError):
    """A reason in Chinese, ready to show (the caller adds a current example)."""


def weekday(day: date) -> str:
    """周五 for a Friday."""
    return "周" + WEEKDAYS[day.weekday()]


def show(moment: datetime, tz: tzinfo | None = None, now: datetime | None = None) -> str:
    """12月11日（周五）15:00 — how moments are shown in chat. With `tz` the moment is first
    converted to that zone (stored instants); with `now` the year is added when it differs."""
    if tz is not None:
        moment = moment.astimezone(tz)
    year = f"{moment.year}年" if now is not None and now.year != moment.year else ""
    return f"{year}{moment.month}月{moment.day}日（{weekday(moment.date())}）{moment:%H:%M}"


def show_day(day: date) -> str:
    """12月11日（周五）."""
    return f"{day.month}月{day.day}日（{weekday(day)}）"


def examples(now: datetime) -> str:
    """Ways to write a time, each a moment after `now` (never a fixed date that goes stale)."""
    later = (now + timedelta(days=8)).date()
    return f"明天 09:00、下周一 下午3点、{later.month}月{later.day}日 15:00"


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


def _weekday_index(ch: str) -> int:
    """Monday = 0 … Sunday = 6 from 一…日/天 or 1…7."""
    if ch.isdigit():
        return (int(ch) - 1) % 7
    return 6 if ch in "日天" else WEEKDAYS.index(ch)


def _comparable(text: str) -> str:
    """The text with full-width forms and traditional characters folded, character by
    character, so that positions in it are positions in the original."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        folded = to_simplified(folded) if len(folded) == 1 else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _valid_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise WhenError(f"没有 {month}月{day}日 这一天，请检查日期。") from exc


def _day_part(text: str, pos: int, today: date) -> tuple[date | None, str, int, bool]:
    """(day or None, implied period, new position, day given as a weekday to roll forward)."""
    if m := _FULL.match(text, pos):
        year, month, day = (int(m.group(i)) for i in (1, 2, 3))
        return _valid_date(year, month, day), "", m.end(), False
    if m := _MONTH_DAY_CN.match(text, pos):
        month, day = _cn_int(m.group(1)), _cn_int(m.group(2))
        return _this_or_next_year(today, month, day), "", m.end(), False
    if m := _MONTH_DAY.match(text, pos):
        month, day = int(m.group(1)), int(m.group(2))
        return _this_or_next_year(today, month, day), "", m.end(), False
    if m := _RELATIVE.match(text, pos):
        word = m.group(1)
        found = today + timedelta(days=_RELATIVE_DAYS[word])
        return found, _RELATIVE_PERIOD.get(word, ""), m.end(), False
    if m := _WEEK.match(text, pos):
        which, target = m.group(1) or "", _weekday_index(m.group(2))
        monday = today - timedelta(days=today.weekday())
        if which.startswith("下下"):
            return monday + timedelta(days=14 + target), "", m.end(), False
        if which.startswith("下"):
            return monday + timedelta(days=7 + target), "", m.end(), False
        if which:  # 本周 / 这周: this week, even if that day has passed
            return monday + timedelta(days=target), "", m.end(), False
        ahead = (target - today.weekday()) % 7
        return today + timedelta(days=ahead), "", m.end(), True
    if m := _DAY_OF_MONTH.match(text, pos):
        day_no = _cn_int(m.group(1))
        if 1 <= day_no <= 31:
            return _this_or_next_month(today, day_no), "", m.end(), False
    return None, "", pos, False


def _this_or_next_year(today: date, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise WhenError(f"没有 {month} 月，请检查日期。")
    if month == 2 and day == 29:  # the next 2月29日 that has not passed
        for year in range(today.year, today.year + 8):
            try:
                found = date(year, 2, 29)
            except ValueError:
                continue
            if found >= today:
                return found
    found = _valid_date(today.year, month, day)
    return found if found >= today else _valid_date(today.year + 1, month, day)


def _this_or_next_month(today: date, day: int) -> date:
    year, month = today.year, today.month
    for _ in range(3):
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise WhenError(f"最近几个月没有 {day}号，请写上月份。")


def _hour(period: str, hour: int) -> int:
    if period in _AFTERNOON and hour < 12:
        return hour + 12
    if period == "中午" and hour < 6:
        return hour + 12
    if period in _MORNING and hour == 12:
        return 0 if period == "凌晨" else 12
    return hour


def parse_when(text: str, now: datetime) -> When:
    """The moment at the start of `text` (read in `now`'s zone, relative to its day) and the
    text after it. Raises WhenError with a reason in Chinese."""
    tz = now.tzinfo
    assert tz is not None, "now must be aware"
    today = now.date()
    folded = _comparable(text)
    pos = len(folded) - len(folded.lstrip())
    day, implied, pos, roll = _day_part(folded, pos, today)
    if day is not None and (note := _WEEKDAY_NOTE.match(folded, pos)):
        said = _weekday_index(note.group(1))
        if said != day.weekday():
            raise WhenError(
                f"{day.month}月{day.day}日是{weekday(day)}，不是周{WEEKDAYS[said]}，请核对日期。"
            )
        pos = note.end()
    while pos < len(folded) and folded[pos] in " \u3000,，":
        pos += 1
    period = implied
    if m := _PERIOD.match(folded, pos):
        period, pos = m.group(1), m.end()
        while pos < len(folded) and folded[pos] in " \u3000":
            pos += 1
    m = _TIME.match(folded, pos)
    if m is None:
        if day is not None or period:
            raise WhenError("请写上具体时间（几点几分）。")
        raise WhenError("没看懂时间。")
    hour = _cn_int(m.group(1))
    if m.group(2) is not None:
        minute = int(m.group(2))
    elif m.group(3):
        minute = 30
    elif m.group(4):
        minute = 15
    elif m.group(5):
        minute = 45
    elif m.group(6):
        minute = _cn_int(m.group(6))
    else:
        minute = 0
    if period in ("晚上", "夜里", "夜间", "晚") and hour == 12:
        raise WhenError("晚上12点是第二天的0点，请写成「明天 00:00」这样。")
    if not period and m.group(2) is None and 1 <= hour <= 5:
        hour += 12  # 3点 with no 上午/下午 is an afternoon: nobody meets at 3 a.m.
    hour = _hour(period, hour)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise WhenError(f"{m.group(0).strip()} 不是有效的时间，请检查。")
    end = m.end()
    if end < len(folded) and folded[end].isdigit():
        raise WhenError("没看懂时间。")
    day = day or today
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if roll and at <= now:  # 周五 15:00 said on a Friday after 15:00: the next Friday
        at += timedelta(days=7)
    return When(at, text[end:].strip(" \u3000:：,，"))
