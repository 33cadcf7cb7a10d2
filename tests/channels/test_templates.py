"""Template messages as the platform takes them now: the configuration, fitting each value to its
field's type, cutting at character boundaries, and the signed link to the full text."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels import templates
from bot.channels.templates import Field, Template, cut, fit, parse_templates, width
from tests.fakes.wechat_api import FIELD_RULES

NOW = datetime.fromisoformat("2026-12-02T09:00:00+08:00")


def test_configuration_with_field_maps() -> None:
    config = (
        "notice=TPL_notice-1:thing1=title,time2=time,thing3=summary;"
        ' meeting=TPL2:thing1=title,time2=time,thing4=place,const5="已安排"; study=TPL3'
    )
    parsed = parse_templates(config)
    assert parsed["notice"] == Template(
        "TPL_notice-1",
        (Field("thing1", "title"), Field("time2", "time"), Field("thing3", "summary")),
    )
    assert parsed["meeting"].fields[-1] == Field("const5", None, "已安排")
    assert [f.name for f in parsed["study"].fields] == ["keyword1", "keyword2", "keyword3"]


def test_the_old_form_means_keyword1_title_keyword2_time_keyword3_summary() -> None:
    parsed = parse_templates("study=T-STUDY, notice=T-NOTICE")
    assert set(parsed) == {"study", "notice"}
    assert [(f.name, f.part) for f in parsed["notice"].fields] == [
        ("keyword1", "title"),
        ("keyword2", "time"),
        ("keyword3", "summary"),
    ]


@pytest.mark.parametrize(
    "config",
    [
        "notice",  # no id
        "notice=T1:thing1=body",  # not a part
        "notice=T1:thing1",  # no part
        "notice=T1:color1=title",  # unknown field type
        "notice=T 1:thing1=title",  # bad id
        "notice=T1:thing1=title;notice=T2:thing1=title",  # twice
        "notice=T1:",  # no fields
    ],
)
def test_bad_configuration_is_refused(config: str) -> None:
    with pytest.raises(templates.TemplateConfigError):
        parse_templates(config)


def test_values_fit_their_field_types() -> None:
    long = "关于召开二〇二六年度机关党支部组织生活会暨民主评议党员的通知"
    assert fit("thing", long) == long[:19] + "…"
    assert width(fit("thing", long)) == 20
    assert fit("thing", "第一行\n第二行") == "第一行 第二行"  # line breaks are stripped
    assert fit("phrase", "支部通知（重要）") == "支部通知重"  # only Chinese characters, at most 5
    assert fit("phrase", "OK!") == "通知"
    assert fit("character_string", "编号 A-17/机关") == "A-17/"
    assert fit("character_string", "机关党支部", fallback="42") == "42"
    assert fit("number", "第 3 次", fallback="9") == "3"
    assert fit("name", "王建国同志") == "王建国同志"
    for kind, value in (("thing", long), ("phrase", long), ("character_string", long * 3)):
        assert FIELD_RULES[kind](fit(kind, value))


def test_template_data_formats_times_in_the_organization_zone() -> None:
    template = parse_templates(
        "meeting=T:thing1=title,time2=time,thing3=place,character_string4=branch"
    )["meeting"]
    parts = {
        "title": "会议通知：支部党员大会",
        "time": "2026-12-05T07:00:00+00:00",  # a stored instant in UTC
        "place": "三楼会议室",
        "branch": "机关党支部",
    }
    data = templates.template_data(template, parts, NOW, "17")
    assert data == {
        "thing1": {"value": "会议通知：支部党员大会"},
        "time2": {"value": "2026年12月5日 15:00"},
        "thing3": {"value": "三楼会议室"},
        "character_string4": {"value": "17"},  # no ASCII in the branch: the row number
    }


def test_cut_never_splits_a_surrogate_pair_or_a_cluster() -> None:
    text = "学习" + "😀" * 12  # each emoji is two UTF-16 units
    out = cut(text, 20)
    assert width(out) <= 20 and out.endswith("…")
    out.encode("utf-16-le")  # no lone surrogate: encodes cleanly
    family = "党员" + "👨\u200d👩\u200d👧" * 5
    out = cut(family, 20)
    assert not out[:-1].endswith("\u200d")
    accented = "e\u0301" * 30
    out = cut(accented, 20)
    assert out[0] == "e" and out[-2] == "\u0301"  # the mark stays with its letter


@given(st.text(min_size=0, max_size=80))
def test_any_text_fits_a_thing_field(text: str) -> None:
    value = fit("thing", text)
    assert value and width(value) <= 20 and "\n" not in value
    value.encode("utf-8")  # never a lone surrogate


def test_message_links_are_signed() -> None:
    token = templates.sign("secret", 42)
    assert templates.verify("secret", token) == 42
    assert templates.verify("other-secret", token) is None
    assert templates.verify("secret", token.replace("42.", "43.")) is None
    assert templates.verify("", token) is None
    assert templates.verify("secret", "42") is None
