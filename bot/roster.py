"""Reading a roster file (CSV or Excel) into validated rows, with row numbers for errors."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from storage.members import CATEGORIES, ROLES, RosterRow

COLUMNS = ("姓名", "手机号", "支部", "党小组", "角色", "类别", "企业微信账号")
REQUIRED = ("姓名", "手机号", "支部", "角色", "类别")
_PHONE = re.compile(r"1\d{10}")


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}"


class RosterError(ValueError):
    pass


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells) for a .csv or .xlsx file. Row numbers match the file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [
            (n, [_cell(v) for v in row])
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
        wb.close()
    elif suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterError("无法识别文件编码，请另存为 UTF-8 的 CSV")
        rows = [
            (n, [c.strip() for c in row])
            for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        ]
    else:
        raise RosterError(f"不支持的文件类型 {suffix}，请使用 .csv 或 .xlsx")
    rows = [(n, cells) for n, cells in rows if any(c for c in cells)]
    if not rows:
        raise RosterError("文件是空的")
    header_row, *body = rows
    return [unicodedata.normalize("NFKC", h).strip() for h in header_row[1]], body


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_rows(path: Path) -> tuple[list[RosterRow], list[RowError]]:
    numbered, errors = parse_numbered(path)
    return [row for _, row in numbered], errors


def parse_numbered(path: Path) -> tuple[list[tuple[int, RosterRow]], list[RowError]]:
    """Valid rows with their row numbers in the file, and the errors of the others."""
    header, body = read_table(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(
            "缺少列：" + "、".join(missing) + "（表头应为：" + "、".join(COLUMNS) + "）"
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    rows: list[tuple[int, RosterRow]] = []
    errors: list[RowError] = []
    phones: dict[str, int] = {}
    wecom_ids: dict[str, int] = {}
    for number, cells in body:
        values = {
            name: unicodedata.normalize("NFKC", cells[i]).strip() if i < len(cells) else ""
            for name, i in index.items()
        }

        def get(name: str, values: dict[str, str] = values) -> str:
            return values.get(name, "")

        problems = []
        name = get("姓名")
        phone = re.sub(r"[\s\-]", "", get("手机号"))
        branch = get("支部")
        role = get("角色")
        category = get("类别")
        if not name:
            problems.append("姓名为空")
        if not _PHONE.fullmatch(phone):
            problems.append(f"手机号“{phone}”不是11位手机号")
        elif phone in phones:
            problems.append(f"手机号与第{phones[phone]}行重复")
        if not branch:
            problems.append("支部为空")
        if role not in ROLES:
            problems.append(f"角色“{role}”应为 " + "/".join(ROLES))
        if category not in CATEGORIES:
            problems.append(f"类别“{category}”应为 " + "/".join(CATEGORIES))
        wecom = get("企业微信账号") or None
        if wecom and wecom in wecom_ids:
            problems.append(f"企业微信账号与第{wecom_ids[wecom]}行重复")
        if problems:
            errors.append(RowError(number, "；".join(problems)))
            continue
        phones[phone] = number
        if wecom:
            wecom_ids[wecom] = number
        row = RosterRow(name, phone, branch, get("党小组") or None, role, category, wecom)
        rows.append((number, row))
    return rows, errors
