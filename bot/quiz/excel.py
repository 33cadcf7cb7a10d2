"""Question banks in Excel, for secretaries: import (validated, all or nothing) and export.

Columns (first sheet, first row): 编号 (optional), 题型, 题干, 选项A … 选项F, 答案, 解析, 出处, 标签.
- 题型: 单选 / 多选 / 判断 / 填空 (or 单选题 …, single …).
- 答案: letters for 单选 / 多选 (B, ACD, A,C, A、C); 对 / 错 for 判断; for 填空 the accepted
  answers separated by | or ；(e.g. 8|八).
- 标签: words separated by 、 or ，.

An import writes quizzes/imported-<name>.yaml, so imported questions go through the same
validation as the shipped bank; any bad row (reported by its row number) means nothing is written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.content import ContentError
from bot.quiz import answers
from bot.quiz.bank import LETTERS, Question, dump_questions, quiz_files, validate_texts
from bot.spreadsheet import append_row

OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
COLUMNS = ("编号", "题型", "题干", *OPTION_COLUMNS, "答案", "解析", "出处", "标签")
REQUIRED = ("题型", "题干", "答案", "解析", "出处")
TYPE_WORDS = {
    "单选": "single", "单选题": "single", "single": "single",
    "多选": "multi", "多选题": "multi", "multi": "multi",
    "判断": "judge", "判断题": "judge", "judge": "judge",
    "填空": "blank", "填空题": "blank", "blank": "blank",
}  # fmt: skip
TYPE_LABELS = {"single": "单选", "multi": "多选", "judge": "判断", "blank": "填空"}
_BLANK_SPLIT = re.compile(r"[|｜;；]")
_TAG_SPLIT = re.compile(r"[、,，;；\s]+")

TEMPLATE_ROWS: tuple[dict[str, str], ...] = (
    {
        "题型": "单选",
        "题干": "党支部党员大会一般多长时间召开一次？",
        "选项A": "每月1次",
        "选项B": "每季度1次",
        "选项C": "每半年1次",
        "选项D": "每年1次",
        "答案": "B",
        "解析": "党员大会是党支部的议事决策机构，一般每季度召开一次。",
        "出处": "《中国共产党支部工作条例（试行）》第十一条",
        "标签": "三会一课、党员大会",
    },
    {
        "题型": "多选",
        "题干": "“三会一课”中的“三会”包括哪些？",
        "选项A": "支部党员大会",
        "选项B": "支部委员会",
        "选项C": "党小组会",
        "选项D": "职工代表大会",
        "答案": "ABC",
        "解析": "“三会”指支部党员大会、支部委员会和党小组会。",
        "出处": "《中国共产党支部工作条例（试行）》第五章（组织生活）",
        "标签": "三会一课",
    },
    {
        "题型": "判断",
        "题干": "零售户可以向未成年人出售烟草制品。",
        "答案": "错",
        "解析": "法律禁止向未成年人出售烟草制品，经营者应当在显著位置设置标志。",
        "出处": "《中华人民共和国未成年人保护法》第五十九条",
        "标签": "未成年人",
    },
    {
        "题型": "填空",
        "题干": "预备党员必须面向（ ）进行入党宣誓。",
        "答案": "党旗|中国共产党党旗",
        "解析": "党章第六条规定预备党员要面向党旗进行入党宣誓。",
        "出处": "《中国共产党章程》第六条",
        "标签": "党章、入党誓词",
    },
)

INSTRUCTIONS = (
    "填写说明（导入：dangjian import-quizzes 文件.xlsx）",
    "1. 每行一道题，第一行是表头，请不要改表头；示例行请删除后再导入。",
    "2. 题型：单选、多选、判断、填空。",
    "3. 单选、多选题至少填 选项A、选项B，选项按字母顺序连续填写（最多到选项F）。",
    "4. 答案：单选填一个字母（如 B）；多选填全部正确字母（如 ACD）；判断填 对 或 错；"
    "填空可写多个可接受的答案，用 | 分开（如 8|八）。",
    "5. 解析、出处必填，出处写文件名和条款，如《中国共产党支部工作条例（试行）》第十一条。",
    "6. 标签可选，多个用顿号分开，如 三会一课、党费。编号可不填（自动生成）。",
    "7. 有任何一行出错时会列出行号，整份文件都不导入，改好后重新导入即可。",
)


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}"


class ImportFailed(ValueError):
    def __init__(self, errors: list[RowError] | list[ContentError] | list[Any]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _slug(name: str) -> str:
    ascii_part = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if ascii_part and ascii_part == re.sub(r"[^a-z0-9-]", "", name.lower()):
        return ascii_part[:30]
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
    return f"{ascii_part[:20]}-{digest}".strip("-")


def read_rows(path: Path) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """Header positions and (row number, cells) of the first sheet; blank rows are skipped."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFailed([RowError(0, f"无法读取 Excel 文件：{exc}")]) from exc
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise ImportFailed([RowError(1, "表格是空的")])
    header = {_cell(v): i for i, v in enumerate(rows[0]) if _cell(v)}
    missing = [c for c in REQUIRED if c not in header]
    if missing or "选项A" not in header:
        need = "、".join(missing or ["选项A"])
        raise ImportFailed([RowError(1, f"表头缺少列：{need}（请使用 quizzes/template.xlsx）")])
    body: list[tuple[int, list[str]]] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell(v) for v in row]
        if any(cells):
            body.append((number, cells))
    return header, body


def parse_row(
    number: int, header: dict[str, int], cells: list[str], default_id: str
) -> tuple[Question | None, list[RowError]]:
    def get(column: str) -> str:
        i = header.get(column)
        return cells[i] if i is not None and i < len(cells) else ""

    errors: list[RowError] = []

    def bad(message: str) -> None:
        errors.append(RowError(number, message))

    qtype = TYPE_WORDS.get(get("题型").lower())
    if qtype is None:
        bad(f"题型「{get('题型')}」不对，应为 单选、多选、判断 或 填空")
    stem = get("题干")
    if not stem:
        bad("题干为空")
    explanation, source = get("解析"), get("出处")
    if not explanation:
        bad("解析为空")
    if not source:
        bad("出处为空（写文件名和条款）")
    raw_answer = get("答案")
    if not raw_answer:
        bad("答案为空")
    options: list[tuple[str, str]] = []
    texts = [get(c) for c in OPTION_COLUMNS]
    last = max((i for i, t in enumerate(texts) if t), default=-1)
    answer: tuple[str, ...] = ()
    if qtype in ("single", "multi"):
        if any(not t for t in texts[: last + 1]):
            bad("选项要按字母顺序连续填写，中间不能空")
        options = [(LETTERS[i], t) for i, t in enumerate(texts[: last + 1]) if t]
        if len(options) < 2:
            bad("单选、多选题至少要有两个选项")
        letters = answers.parse_letters(raw_answer) if raw_answer else None
        if raw_answer and letters is None:
            bad(f"答案「{raw_answer}」应为选项字母，如 B 或 ACD")
        elif letters:
            extra = [x for x in letters if x not in {k for k, _ in options}]
            if extra:
                bad(f"答案 {''.join(extra)} 不在选项中")
            if qtype == "single" and len(letters) != 1:
                bad("单选题的答案只能是一个字母")
            if qtype == "multi" and len(letters) < 2:
                bad("多选题的答案至少两个字母")
            answer = tuple(letters)
    elif qtype is not None:
        if last >= 0:
            bad("判断题和填空题不填选项")
        if qtype == "judge":
            verdict = answers.parse_judge(raw_answer) if raw_answer else None
            if raw_answer and verdict is None:
                bad(f"判断题答案「{raw_answer}」应为 对 或 错")
            answer = (verdict,) if verdict else ()
        else:
            accepted = [a.strip() for a in _BLANK_SPLIT.split(raw_answer) if a.strip()]
            if raw_answer and not accepted:
                bad("填空题答案为空")
            answer = tuple(accepted)
    tags = tuple(t for t in _TAG_SPLIT.split(get("标签")) if t)
    qid = get("编号") or default_id
    if errors or qtype is None:
        return None, errors
    return (
        Question(
            id=qid,
            type=qtype,
            stem=stem,
            options=tuple(options),
            answer=answer,
            explanation=explanation,
            source=source,
            tags=tags,
        ),
        [],
    )


def import_xlsx(
    path: str | Path, quiz_dir: str | Path, name: str | None = None
) -> tuple[Path, int]:
    """Import a workbook into quiz_dir/imported-<name>.yaml; returns (file, questions).

    Raises ImportFailed with every bad row (or every validation error of the resulting bank);
    nothing is written then. Re-importing under the same name replaces that file.
    """
    source = Path(path)
    name = name or source.stem
    slug = _slug(name)
    header, body = read_rows(source)
    if not body:
        raise ImportFailed([RowError(2, "没有题目（表头下面是空的）")])
    questions: list[Question] = []
    errors: list[RowError] = []
    ids: dict[str, int] = {}
    for index, (number, cells) in enumerate(body, start=1):
        q, row_errors = parse_row(number, header, cells, f"{slug}-{index:03d}")
        errors.extend(row_errors)
        if q is None:
            continue
        questions.append(q)
        if q.id in ids:
            errors.append(RowError(number, f"编号 {q.id} 与第{ids[q.id]}行重复"))
        ids.setdefault(q.id, number)
    if errors:
        raise ImportFailed(errors)
    root = Path(quiz_dir)
    target = root / f"imported-{slug}.yaml"
    text = f"# 由 dangjian import-quizzes 从 {source.name} 导入\n" + dump_questions(
        f"导入：{name}", questions
    )
    others = [(p, p.read_text(encoding="utf-8")) for p in quiz_files(root) if p != target]
    problems = [e for e in validate_texts([*others, (target, text)]) if e.path == str(target)]
    if problems:
        raise ImportFailed(problems)
    root.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target, len(questions)


def _row_of(q: Question) -> dict[str, str]:
    row = {
        "编号": q.id,
        "题型": TYPE_LABELS[q.type],
        "题干": q.stem,
        "答案": "".join(q.answer) if q.choice else "|".join(q.answer),
        "解析": q.explanation,
        "出处": q.source,
        "标签": "、".join(q.tags),
    }
    for letter, text in q.options:
        row[f"选项{letter}"] = text
    return row


def export_xlsx(questions: list[Question] | None, path: str | Path) -> int:
    """Write questions (None: the template with examples and instructions); returns rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "题库"
    append_row(ws, COLUMNS)
    rows = [_row_of(q) for q in questions] if questions is not None else list(TEMPLATE_ROWS)
    for row in rows:
        append_row(ws, [row.get(c, "") for c in COLUMNS])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4D6")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    widths = {"编号": 14, "题型": 8, "题干": 40, "答案": 10, "解析": 40, "出处": 32, "标签": 18}
    for i, column in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(column, 16)
    ws.freeze_panes = "A2"
    fixed = datetime(
        2026, 1, 1
    )  # stable file metadata: the shipped template only changes with its content
    wb.properties.created = fixed
    wb.properties.modified = fixed
    if questions is None:
        notes = wb.create_sheet("说明")
        for line in INSTRUCTIONS:
            append_row(notes, [line])
        notes.column_dimensions["A"].width = 110
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(rows)
