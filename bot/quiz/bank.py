"""The question bank: `quizzes/*.yaml`, one set per file, validated with file and line numbers.

File format::

    set: 支部工作条例
    questions:
      - id: branch-001
        type: single            # single | multi | judge | blank
        stem: 党支部党员大会一般多长时间召开一次？
        options: {A: 每月1次, B: 每季度1次, C: 每半年1次, D: 每年1次}   # none for judge / blank
        answer: B               # letters; 对 / 错 for judge; a list of accepted answers for blank
        explanation: ...
        source: 《中国共产党支部工作条例（试行）》第十一条
        tags: [三会一课]

`QuizBank.load` is tolerant (a broken question is left out and logged, so one typo never takes
the service down); `validate` is strict and is what `dangjian check-content` prints.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content import ContentError, Folders, layered_files, log_problems, read_text

log = logging.getLogger(__name__)

TYPES = ("single", "multi", "judge", "blank")
TYPE_NAMES = {"single": "单选题", "multi": "多选题", "judge": "判断题", "blank": "填空题"}
LETTERS = "ABCDEF"
JUDGE_ANSWERS = ("对", "错")
KNOWN_KEYS = {"id", "type", "stem", "options", "answer", "explanation", "source", "tags"}
# Options that refer to the others keep their place (the whole question is not shuffled).
FIXED_OPTION_MARKS = ("以上", "上述", "都不", "均不", "全部", "都对", "都是")


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (letter, text) in file order; () for judge / blank
    answer: tuple[str, ...]  # sorted letters; ("对",) / ("错",); accepted blank answers
    explanation: str
    source: str
    tags: tuple[str, ...] = ()
    set: str = ""
    path: str = ""
    line: int = 0

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]

    @property
    def choice(self) -> bool:
        return self.type in ("single", "multi")

    @property
    def option_map(self) -> dict[str, str]:
        return dict(self.options)

    @property
    def shuffleable(self) -> bool:
        return self.choice and not any(
            mark in text for _, text in self.options for mark in FIXED_OPTION_MARKS
        )

    def answer_text(self) -> str:
        """The correct answer in words (independent of any option shuffle)."""
        if self.choice:
            opts = self.option_map
            return "；".join(opts.get(letter, letter) for letter in self.answer)
        if self.type == "judge":
            return self.answer[0]
        return self.answer[0] if self.answer else ""


class QuizBank:
    def __init__(self, questions: Iterable[Question] = ()) -> None:
        self.questions: list[Question] = []
        self.by_id: dict[str, Question] = {}
        for q in questions:
            if q.id in self.by_id:
                log.warning("duplicate question id %s in %s (kept the first)", q.id, q.path)
                continue
            self.questions.append(q)
            self.by_id[q.id] = q

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        return self.by_id.get(question_id)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    @classmethod
    def load(cls, quizzes: Folders) -> QuizBank:
        """Every valid question of every `*.yaml` file of one folder or several in layers (a
        site's file replaces the shipped file of the same name, a site's question the shipped
        question with the same id). A file that can't be read is skipped and a broken question
        left out, each with one log line naming the file and the reason."""
        layered: list[tuple[int, Question]] = []
        problems: list[ContentError] = []
        for layer, path in layered_quiz_files(quizzes):
            try:
                text = read_text(path)
            except ContentError as exc:
                problems.append(exc)
                continue
            found, errors = parse_file(path, text)
            problems.extend(errors)
            layered.extend((layer, q) for q in found)
        log_problems("quiz bank", problems)
        # Higher layers first, so "keep the first of a duplicate id" keeps the site's question.
        ordered = [q for _, q in sorted(layered, key=lambda t: -t[0])]
        winners = {q.id: q for q in reversed(ordered)}
        return cls(q for _, q in layered if winners.get(q.id) is q)


def layered_quiz_files(quizzes: Folders) -> list[tuple[int, Path]]:
    return layered_files(quizzes, "", ["*.yaml", "*.yml"])


def quiz_files(quizzes: Folders) -> list[Path]:
    return [path for _, path in layered_quiz_files(quizzes)]


def validate(quizzes: Folders) -> list[ContentError]:
    """Every problem in the bank, with file and line: the strict check behind check-content.
    A question id used again in a higher layer replaces the lower one (no error); the same id
    twice within one layer is an error."""
    by_layer: dict[int, list[tuple[Path, str]]] = {}
    errors: list[ContentError] = []
    for layer, path in layered_quiz_files(quizzes):
        try:
            by_layer.setdefault(layer, []).append((path, read_text(path)))
        except ContentError as exc:
            errors.append(exc)
    for layer in sorted(by_layer):
        errors.extend(validate_texts(by_layer[layer]))
    return errors


def validate_texts(files: Iterable[tuple[Path, str]]) -> list[ContentError]:
    """Validate (path, text) pairs together: ids must be unique across all of them."""
    errors: list[ContentError] = []
    first_seen: dict[str, Question] = {}
    for path, text in files:
        questions, file_errors = parse_file(path, text)
        errors.extend(file_errors)
        for q in questions:
            other = first_seen.get(q.id)
            if other is not None:
                errors.append(
                    ContentError(
                        path, f"duplicate id {q.id!r} (first in {other.path}:{other.line})", q.line
                    )
                )
            else:
                first_seen[q.id] = q
    return errors


# -- parsing --------------------------------------------------------------------------------


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _key_nodes(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[str(key.value)] = (key, value)
    return out


def parse_file(path: Path, text: str) -> tuple[list[Question], list[ContentError]]:
    """The valid questions of one file and the errors found in it."""
    errors: list[ContentError] = []
    text = text.lstrip("\ufeff")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [ContentError(path, f"bad YAML: {exc}", mark.line + 1 if mark else None)]
    if root is None or not isinstance(data, dict):
        return [], [
            ContentError(path, "the file must be a mapping with `set:` and `questions:`", 1)
        ]
    keys = _key_nodes(root)
    set_name = data.get("set")
    if not isinstance(set_name, str) or not set_name.strip():
        errors.append(ContentError(path, "missing `set:` (the name of this question set)", 1))
        set_name = path.stem
    raw = data.get("questions")
    if not isinstance(raw, list) or "questions" not in keys:
        errors.append(ContentError(path, "missing `questions:` list", 1))
        return [], errors
    seq_node = keys["questions"][1]
    nodes = seq_node.value if isinstance(seq_node, yaml.SequenceNode) else []
    questions: list[Question] = []
    for index, item in enumerate(raw):
        node = nodes[index] if index < len(nodes) else seq_node
        q, q_errors = parse_question(path, item, node, set_name.strip())
        errors.extend(q_errors)
        if q is not None and not q_errors:
            questions.append(q)
    return questions, errors


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return ""
    return str(value).strip()


def parse_question(
    path: Path, item: Any, node: yaml.Node, set_name: str
) -> tuple[Question | None, list[ContentError]]:
    errors: list[ContentError] = []
    line = _line(node) or 0
    keys = _key_nodes(node)

    def err(message: str, key: str | None = None) -> None:
        where = _line(keys[key][1]) if key and key in keys else line
        errors.append(ContentError(path, message, where))

    if not isinstance(item, dict):
        err("each question must be a mapping (id, type, stem, answer, ...)")
        return None, errors
    qid = _text(item.get("id"))
    label = f"question {qid!r}" if qid else "question"
    if not qid:
        err("question without `id`")
    for key in item:
        if str(key) not in KNOWN_KEYS:
            err(f"{label}: unknown field {key!r}", str(key))
    qtype = _text(item.get("type"))
    if qtype not in TYPES:
        err(f"{label}: `type` must be one of {', '.join(TYPES)} (got {qtype!r})", "type")
        return None, errors
    stem = _text(item.get("stem"))
    if not stem:
        err(f"{label}: missing `stem`", "stem")
    explanation = _text(item.get("explanation"))
    if not explanation:
        err(f"{label}: missing `explanation`", "explanation")
    source = _text(item.get("source"))
    if not source:
        err(f"{label}: missing `source` (document and article)", "source")
    tags_raw = item.get("tags", [])
    if isinstance(tags_raw, str):
        tags_raw = [tags_raw]
    if not isinstance(tags_raw, list) or not all(_text(t) for t in tags_raw):
        err(f"{label}: `tags` must be a list of words", "tags")
        tags_raw = []
    tags = tuple(_text(t) for t in tags_raw)

    options: tuple[tuple[str, str], ...] = ()
    answer: tuple[str, ...] = ()
    raw_options = item.get("options")
    raw_answer = item.get("answer")
    if qtype in ("single", "multi"):
        if not isinstance(raw_options, dict) or len(raw_options) < 2:
            err(f"{label}: a {qtype} question needs `options` (A, B, ... at least two)", "options")
        else:
            opts: list[tuple[str, str]] = []
            bad_option = False
            for letter, text in raw_options.items():
                letter_s = str(letter).strip()
                if letter_s not in LETTERS:
                    err(f"{label}: option key {letter!r} must be a letter A–F", "options")
                    bad_option = True
                elif not _text(text):
                    err(f"{label}: option {letter_s} is empty", "options")
                    bad_option = True
                else:
                    opts.append((letter_s, _text(text)))
            opts.sort()
            expected = LETTERS[: len(opts)]
            if "".join(k for k, _ in opts) != expected and not bad_option:
                err(f"{label}: options must be lettered {', '.join(expected)} in order", "options")
            options = tuple(opts)
        letters = _answer_letters(raw_answer)
        if letters is None:
            err(f"{label}: `answer` must be option letters, e.g. B or ACD", "answer")
        else:
            known = {k for k, _ in options}
            missing = [x for x in letters if x not in known]
            if options and missing:
                err(f"{label}: answer {''.join(missing)} is not among the options", "answer")
            if qtype == "single" and len(letters) != 1:
                err(f"{label}: a single-choice answer is exactly one letter", "answer")
            if qtype == "multi" and len(letters) < 2:
                err(f"{label}: a multi-choice answer needs at least two letters", "answer")
            answer = tuple(letters)
    else:
        if raw_options not in (None, {}, []):
            err(f"{label}: a {qtype} question has no `options`", "options")
        if qtype == "judge":
            value = _text(raw_answer)
            if value not in JUDGE_ANSWERS:
                err(f"{label}: a judge answer is 对 or 错 (got {raw_answer!r})", "answer")
            answer = (value,)
        else:
            accepted = raw_answer if isinstance(raw_answer, list) else [raw_answer]
            from bot.quiz.answers import normalize_blank

            values = [_text(a) for a in accepted]
            if not values or not all(values) or not all(normalize_blank(v) for v in values):
                err(f"{label}: a blank answer is a non-empty list of accepted answers", "answer")
            answer = tuple(values)
    if errors:
        return None, errors
    return (
        Question(
            id=qid,
            type=qtype,
            stem=stem,
            options=options,
            answer=answer,
            explanation=explanation,
            source=source,
            tags=tags,
            set=set_name,
            path=str(path),
            line=line,
        ),
        errors,
    )


def _answer_letters(value: Any) -> list[str] | None:
    """Answer letters from `B`, `ACD`, `A,C` or `[A, C]`: sorted, unique; None if malformed."""
    if isinstance(value, list):
        parts = [_text(v) for v in value]
    else:
        parts = [_text(value)]
    letters: list[str] = []
    for part in parts:
        for ch in part.upper():
            if ch in " ,，、;；/":
                continue
            if ch not in LETTERS:
                return None
            letters.append(ch)
    if not letters or len(set(letters)) != len(letters):
        return None
    return sorted(letters)


def dump_questions(set_name: str, questions: Iterable[Question]) -> str:
    """YAML text of a set in the bank's own format (used by the Excel import)."""
    items: list[dict[str, Any]] = []
    for q in questions:
        item: dict[str, Any] = {"id": q.id, "type": q.type, "stem": q.stem}
        if q.choice:
            item["options"] = dict(q.options)
            item["answer"] = "".join(q.answer)
        elif q.type == "judge":
            item["answer"] = q.answer[0]
        else:
            item["answer"] = list(q.answer)
        item["explanation"] = q.explanation
        item["source"] = q.source
        item["tags"] = list(q.tags)
        items.append(item)
    return yaml.safe_dump(
        {"set": set_name, "questions": items},
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
