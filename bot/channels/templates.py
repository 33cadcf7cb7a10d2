"""Official Account template messages as the platform takes them since 2023-05-04.

The platform ignores `first` and `remark`, shows each value only up to 20 characters with line
breaks removed, and new templates come from the category template library with typed fields
(thing1, time2, phrase3 …). Each kind of push has its template configured as its id plus which
part of the push goes into which field::

    DANGJIAN_WECHAT_TEMPLATES="notice=ID:thing1=title,time2=time,thing3=summary;meeting=ID:…"

Separators: `;` between kinds, `:` between the template id and its field map, `,` between
fields, `=` between a field and the part that fills it. Template ids are letters, digits, `-`
and `_`, so none of these can clash with one. A value in double quotes is sent as it is
(`const4="已发布"`). A kind given without a field map (`study=ID`), and the old form
`study=ID,notice=ID` (no `:` anywhere), mean keyword1=title, keyword2=time, keyword3=summary.

Parts of a push: title, summary, time, branch, place (storage.outbox.Push.parts; defaults come
from the kind and the text). Every value is fitted to its field's type before sending: thing ≤20
characters, phrase ≤5 Chinese characters, character_string / number / letter ≤32, symbol ≤5,
name ≤10, phone_number ≤17, car_number ≤8, time and date in the platform's format. Text is cut
at a character boundary (never inside a surrogate pair or before a combining mark) and ends
with "…" where the type allows it. The full text is behind the template's link
(DANGJIAN_PUBLIC_URL + /m/<row>.<signature>, see bot/web/message.py).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo

PARTS = ("title", "summary", "time", "branch", "place")
LEGACY_FIELDS = (("keyword1", "title"), ("keyword2", "time"), ("keyword3", "summary"))
_FIELD = re.compile(r"^[a-z_]+[0-9]*$")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Field:
    name: str  # e.g. thing1, time2, keyword1
    part: str | None  # which part of the push fills it (None: a literal)
    literal: str = ""

    @property
    def type(self) -> str:
        return field_type(self.name)


@dataclass(frozen=True)
class Template:
    id: str
    fields: tuple[Field, ...]


class TemplateConfigError(ValueError):
    pass


def field_type(name: str) -> str:
    """thing1 -> thing, character_string3 -> character_string, keyword2 -> keyword."""
    return name.rstrip("0123456789")


KNOWN_TYPES = frozenset(
    {
        "thing",
        "time",
        "date",
        "phrase",
        "character_string",
        "number",
        "letter",
        "symbol",
        "amount",
        "phone_number",
        "car_number",
        "name",
        "const",
        "keyword",
    }
)


@functools.lru_cache(maxsize=16)
def parse_templates(config: str) -> dict[str, Template]:
    """kind -> Template from DANGJIAN_WECHAT_TEMPLATES (cached: don't change the result).
    Raises TemplateConfigError."""
    text = config.strip()
    if not text:
        return {}
    out: dict[str, Template] = {}
    chunks = text.split(";") if ":" in text else re.split(r"[;,]", text)
    for raw in chunks:
        chunk = raw.strip()
        if not chunk:
            continue
        kind, eq, rest = chunk.partition("=")
        kind = kind.strip()
        if not eq or not kind:
            raise TemplateConfigError(f"'{chunk}': expected kind=TEMPLATE_ID[:field=part,…]")
        template_id, colon, mapping = rest.partition(":")
        template_id = template_id.strip()
        if not _ID.match(template_id):
            raise TemplateConfigError(f"'{chunk}': template id '{template_id}' is not valid")
        if colon:
            fields = tuple(_parse_field(f, chunk) for f in mapping.split(",") if f.strip())
            if not fields:
                raise TemplateConfigError(f"'{chunk}': no fields after ':'")
        else:
            fields = tuple(Field(name, part) for name, part in LEGACY_FIELDS)
        if kind in out:
            raise TemplateConfigError(f"kind '{kind}' is configured twice")
        out[kind] = Template(template_id, fields)
    return out


def _parse_field(raw: str, chunk: str) -> Field:
    name, eq, value = raw.strip().partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not _FIELD.match(name):
        raise TemplateConfigError(f"'{chunk}': field '{raw.strip()}' should look like thing1=title")
    if field_type(name) not in KNOWN_TYPES:
        raise TemplateConfigError(
            f"'{chunk}': unknown field type '{field_type(name)}' in '{name}'"
            f" (known: {', '.join(sorted(KNOWN_TYPES))})"
        )
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return Field(name, None, value[1:-1])
    if value not in PARTS:
        raise TemplateConfigError(
            f"'{chunk}': '{value}' is not a part of a push (parts: {', '.join(PARTS)})"
        )
    return Field(name, value)


# -- fitting values to field types -----------------------------------------------------------


def width(text: str) -> int:
    """Length as the platform counts it, conservatively: UTF-16 code units (a character
    outside the BMP, such as most emoji, counts two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _clean(text: str) -> str:
    """One line, no control characters, no lone surrogates."""
    out = []
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            continue  # a lone surrogate can't be encoded for the platform
        if ch in "\r\n\t\u2028\u2029" or unicodedata.category(ch) == "Cc":
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def cut(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """At most `limit` (UTF-16 units), cut at a character boundary, ending with `ellipsis` when
    something was cut. A combining mark, variation selector or zero-width joiner stays with the
    character before it (the cut goes before that whole cluster)."""
    if width(text) <= limit:
        return text
    room = limit - width(ellipsis)
    used = 0
    end = 0
    for i, ch in enumerate(text):
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > room:
            break
        used += w
        end = i + 1
    # Don't leave a cluster half: back up while the next character would attach to the kept one.
    while 0 < end < len(text) and _attaches(text[end]):
        end -= 1
    while end > 0 and text[end - 1] == "\u200d":
        end -= 1
    return text[:end].rstrip() + ellipsis


def _attaches(ch: str) -> bool:
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= ord(ch) <= 0xFE0F
        or 0xE0100 <= ord(ch) <= 0xE01EF
        or ch == "\u200d"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones
    )


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def show_time(moment: datetime) -> str:
    """The platform's time format: 2026年12月2日 09:00."""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def show_date(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def fit(field_type_name: str, value: str, fallback: str = "") -> str:
    """A value the platform accepts for a field of this type (never empty)."""
    kind = field_type_name
    text = _clean(value)
    if kind in ("thing", "keyword", "const"):
        return cut(text, 20) or cut(_clean(fallback), 20) or "-"
    if kind == "phrase":
        han = "".join(ch for ch in text if _han(ch))[:5]
        return han or "".join(ch for ch in fallback if _han(ch))[:5] or "通知"
    if kind == "name":
        han = "".join(ch for ch in text if _han(ch))
        return han[:10] or cut(text, 20, "") or "-"
    if kind == "character_string":
        ascii_text = "".join(ch for ch in text if 0x21 <= ord(ch) <= 0x7E)
        return ascii_text[:32] or fallback[:32] or "-"
    if kind == "number":
        match = re.search(r"\d+(?:\.\d+)?", text)
        return (match.group(0) if match else re.sub(r"\D", "", fallback) or "0")[:32]
    if kind == "letter":
        letters = "".join(ch for ch in text if ch.isascii() and ch.isalpha())
        return letters[:32] or "x"
    if kind == "symbol":
        symbols = "".join(ch for ch in text if ch.isascii() and not ch.isalnum() and ch != " ")
        return symbols[:5] or "-"
    if kind == "amount":
        match = re.search(r"\d+(?:\.\d+)?", text)
        return "¥" + (match.group(0)[:10] if match else "0")
    if kind == "phone_number":
        return "".join(ch for ch in text if ch.isdigit() or ch in "+-")[:17] or "-"
    if kind == "car_number":
        return text.replace(" ", "")[:8] or "-"
    if kind in ("time", "date"):
        return text or fallback
    return cut(text, 20) or "-"


def template_data(
    template: Template, parts: dict[str, str], moment: datetime, reference: str
) -> dict[str, dict[str, str]]:
    """The `data` of a template message: every field filled from the push's parts and fitted
    to its type. `moment` (now, in the organization's zone) fills time/date fields whose part is
    missing, and its zone is the one times are shown in; `reference` (the outbox row) fills a
    character_string or number field left empty."""
    data: dict[str, dict[str, str]] = {}
    for f in template.fields:
        raw = f.literal if f.part is None else parts.get(f.part, "")
        when = _as_time(raw, moment.tzinfo)
        if f.type in ("time", "date"):
            when = when or moment
            value = show_time(when) if f.type == "time" else show_date(when)
        else:
            if when is not None and f.part == "time":
                raw = show_time(when)
            fallback = reference if f.type in ("character_string", "number") else ""
            value = fit(f.type, raw, fallback or parts.get("title", ""))
        data[f.name] = {"value": value}
    return data


def _as_time(value: str, zone: tzinfo | None = None) -> datetime | None:
    """A stored instant, in the organization's zone (`zone`: that of `moment`)."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is not None and zone is not None:
        when = when.astimezone(zone)
    return when


# -- the link to the full text ---------------------------------------------------------------


def _key(secret: str) -> bytes:
    return hashlib.sha256(("dangjian-message-link:" + secret).encode("utf-8")).digest()


def sign(secret: str, row_id: int) -> str:
    """`<row>.<signature>`: a link token for one outbox row, unguessable without the secret."""
    mac = hmac.new(_key(secret), str(row_id).encode(), hashlib.sha256).digest()[:16]
    return f"{row_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def verify(secret: str, token: str) -> int | None:
    """The outbox row of a valid link token, else None."""
    row, dot, _ = token.partition(".")
    if not dot or not row.isdigit() or len(row) > 18 or not secret:
        return None
    return int(row) if hmac.compare_digest(sign(secret, int(row)), token) else None


def link_secret(settings: object) -> str:
    """The key behind message links: the Official Account secret (only the server knows it)."""
    return str(getattr(settings, "wechat_secret", "") or "")
