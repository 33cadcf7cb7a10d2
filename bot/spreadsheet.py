"""Cells and tab-separated fields that Excel and WPS show as text, never run as formulas.

Every workbook the project writes (points --xlsx, export-quizzes and its template) appends its
rows with `append_row`, and every tab-separated table printed for pasting into a spreadsheet
(points, quiz-stats) joins its fields with `tsv_line`. The rule is OWASP's for CSV injection:
text starting with = + - @, a tab or a carriage return (and their full-width forms, which an
input method can produce) is written as text.

- In a workbook the value itself is kept (so an exported question bank imports back
  unchanged): the cell is written as a string (t="inlineStr", no <f> element) and gets the
  quotePrefix style, which is what Excel stores when someone types a leading apostrophe, so
  the cell stays text even when it is edited.
- In tab-separated text a single quote is put in front (Excel and WPS treat a pasted field
  starting with ' as text and hide the quote); tabs and line breaks inside a field become
  spaces so a field cannot open new columns or rows.

Numbers stay numbers in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_BREAKS = re.compile(r"[\t\r\n]+")


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def as_text(cell: Any) -> Any:
    """Make an openpyxl cell holding formula-like text a plain text cell; returns the cell."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(ws: Any, values: Iterable[object]) -> None:
    """`ws.append(values)`, with every formula-like text cell written as text. The risky values
    become text cells before they are appended (looking the row up again afterwards through
    `ws.max_row` costs a pass over the whole sheet per row)."""
    from openpyxl.cell.cell import Cell

    # A Cell given to append keeps its value and style (in write-only mode too); append sets
    # its row and column (a placeholder position is needed until then).
    ws.append(
        [as_text(Cell(ws, row=1, column=1, value=v)) if is_formula_like(v) else v for v in values]
    )


def tsv_field(value: object) -> str:
    """One field of tab-separated output: numbers as they are, text that cannot run."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    risky = is_formula_like(text)
    text = _BREAKS.sub(" ", text)
    return "'" + text if risky else text


def tsv_line(values: Iterable[object]) -> str:
    return "\t".join(tsv_field(v) for v in values)
