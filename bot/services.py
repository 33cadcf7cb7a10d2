"""Wire the parts: settings, clock, storage, and the content loaded once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock, stamp
from bot.config import Settings
from bot.knowledge import Library
from bot.quiz.bank import QuizBank
from bot.study import StudyLibrary
from bot.text import name_key
from storage import Store, members, open_store
from storage import outbox as outbox_store

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    study: StudyLibrary
    knowledge: Any = None  # bot.knowledge.library.Library
    quizzes: Any = None  # bot.quiz.bank.QuizBank

    def push(self, pushes: list[outbox_store.Push]) -> int:
        """Queue pushes in the outbox (idempotent per key); the scheduler delivers them."""
        return outbox_store.enqueue(self.store, pushes, stamp(self.clock.now()))


def build_services(
    settings: Settings, clock: Clock | None = None, store: Store | None = None
) -> Services:
    clock = clock or SystemClock(settings.timezone)
    store = store or open_store(settings.db)
    members.fill_name_keys(store, name_key)  # rows from before migration 0011
    content = Path(settings.content_dir)
    study = StudyLibrary.load(content / "study")
    services = Services(settings=settings, clock=clock, store=store, study=study)
    services.knowledge = Library.load(settings.content_dir)  # jieba loads once, before forking
    services.quizzes = QuizBank.load(settings.quiz_dir)
    return services
