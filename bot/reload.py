"""Content and question banks: loading them at start, counting them, and reloading them in
every running process without a restart (`dangjian reload`, or SIGHUP).

The mechanism is a content generation counter in the database (storage/runtime.py).
`dangjian reload` validates the content and raises the counter; every process compares it with
the generation it loaded — web workers at most once a second before a request, the scheduler
every few seconds — and reloads in a background thread, so requests keep the old content until
the new one is ready. Each library (policies, study items, question banks) is validated on its
own: one that fails is not loaded, the old one stays, and the log says why. SIGHUP to
`dangjian scheduler` or `dangjian run` raises the counter too; SIGHUP to the `dangjian serve`
master reloads in the master (gunicorn then restarts its workers from it) and raises it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.clock import stamp
from bot.config import Settings
from bot.content import ContentError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between two looks at the generation counter in one process
LIBRARIES = ("policies", "study", "quizzes", "points")
NAMES = {
    "policies": "政策库 policy entries",
    "study": "学习内容 study items",
    "quizzes": "题库 questions",
    "points": "积分规则 points rules",
}


def load_policies(settings: Settings) -> Any:
    from bot.knowledge import Library

    return Library.load(settings.content_layers())  # jieba loads once, before forking


def load_study(settings: Settings) -> Any:
    from bot.study import StudyLibrary

    return StudyLibrary.load(settings.content_layers())


def load_quizzes(settings: Settings) -> Any:
    from bot.quiz.bank import QuizBank

    return QuizBank.load(settings.quiz_layers())


def load_points(settings: Settings) -> Any:
    from bot.points import rules

    return rules.load(settings.content_layers())


LOADERS: dict[str, Callable[[Settings], Any]] = {
    "policies": load_policies,
    "study": load_study,
    "quizzes": load_quizzes,
    "points": load_points,
}
ATTRIBUTES = {
    "policies": "knowledge",
    "study": "study",
    "quizzes": "quizzes",
    "points": "points",
}


def validate(settings: Settings) -> dict[str, list[ContentError]]:
    """The strict check of each library (what `dangjian check-content` prints)."""
    from bot.knowledge.entries import validate as validate_policies
    from bot.points.rules import validate as validate_points
    from bot.quiz.bank import validate as validate_quizzes
    from bot.study import load_items

    return {
        "policies": validate_policies(settings.content_layers()),
        "study": load_items(settings.content_layers())[1],
        "quizzes": validate_quizzes(settings.quiz_layers()),
        "points": validate_points(settings.content_layers()),
    }


@dataclass(frozen=True)
class Counts:
    policies: int
    study: int
    questions: int

    def empty(self) -> list[str]:
        """The libraries that have nothing in them, by name."""
        return [
            NAMES[name]
            for name, n in (
                ("policies", self.policies),
                ("study", self.study),
                ("quizzes", self.questions),
            )
            if n == 0
        ]

    def as_dict(self) -> dict[str, int]:
        return {"policies": self.policies, "study": self.study, "questions": self.questions}


def counts(services: Services) -> Counts:
    knowledge = services.knowledge
    return Counts(
        policies=len(knowledge.entries) if knowledge is not None else 0,
        study=len(services.study.items) if services.study is not None else 0,
        questions=len(services.quizzes) if services.quizzes is not None else 0,
    )


def describe_sources(settings: Settings) -> str:
    content = " + ".join(str(p) for p in settings.content_layers()) or "（无 none）"
    quizzes = " + ".join(str(p) for p in settings.quiz_layers()) or "（无 none）"
    return f"content {content}; quizzes {quizzes}"


class Reloader:
    """Watches the content generation and reloads this process's libraries when it moves."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seen = 0
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.reloads = 0  # completed reloads in this process (tests, /healthz)

    def mark_loaded(self) -> None:
        """The content in memory is the current generation (at start-up)."""
        from storage import runtime

        try:
            self.seen = runtime.generation(self.services.store)
        except Exception:  # no database yet (before `migrate`): generation 0
            self.seen = 0

    def maybe_check(self) -> None:
        """Cheap: at most one look at the counter a second; a reload runs in the background."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + CHECK_EVERY
        self.check(background=True)

    def check(self, background: bool = False) -> bool:
        """Reload when the generation moved. True when a reload ran (or was started)."""
        from storage import runtime

        try:
            current = runtime.generation(self.services.store)
        except Exception:
            log.exception("cannot read the content generation")
            return False
        if current == self.seen:
            return False
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            if background:
                self._thread = threading.Thread(
                    target=self._reload, args=(current,), name="content-reload", daemon=True
                )
                self._thread.start()
                return True
        self._reload(current)
        return True

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for a background reload to finish (tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _reload(self, generation: int) -> None:
        try:
            self.reload(generation)
        except Exception:
            log.exception("content reload failed; keeping the content loaded before")
            self.seen = generation

    def reload(self, generation: int | None = None) -> dict[str, str]:
        """Validate and load each library; a library that fails validation keeps its old
        version. Returns what happened per library: 'loaded' or the first error."""
        settings = self.services.settings
        problems = validate(settings)
        outcome: dict[str, str] = {}
        for name in LIBRARIES:
            errors = problems[name]
            if errors:
                outcome[name] = str(errors[0])
                log.error(
                    "content reload: %s not reloaded (%d errors; the previous version stays): %s",
                    NAMES[name],
                    len(errors),
                    "; ".join(str(e) for e in errors[:5]),
                )
                continue
            setattr(self.services, ATTRIBUTES[name], LOADERS[name](settings))
            outcome[name] = "loaded"
        if generation is not None:
            self.seen = generation
        self.reloads += 1
        c = counts(self.services)
        log.info(
            "content reloaded (generation %s): %d policy entries, %d study items, %d questions",
            self.seen,
            c.policies,
            c.study,
            c.questions,
        )
        return outcome


def request_reload(services: Services, reason: str) -> int:
    """Raise the content generation so that every process reloads; returns it."""
    from storage import runtime

    return runtime.bump_generation(services.store, stamp(services.clock.now()), reason)
