"""Wire the parts: settings, clock, storage, and the content loaded once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock, SystemClock, stamp
from bot.config import Settings
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
    reloader: Any = None  # bot.reload.Reloader
    points: Any = None  # bot.points.rules.Rules (content/points.yaml)

    def push(self, pushes: list[outbox_store.Push]) -> int:
        """Queue pushes in the outbox (idempotent per key); the scheduler delivers them."""
        return outbox_store.enqueue(self.store, pushes, stamp(self.clock.now()))


def build_services(
    settings: Settings, clock: Clock | None = None, store: Store | None = None
) -> Services:
    from bot import reload

    clock = clock or SystemClock(settings.timezone)
    store = store or open_store(settings.db)
    members.fill_name_keys(store, name_key)  # rows from before migration 0011
    _fill_reflection_prints(store)  # 心得 from before migration 0121
    study = reload.load_study(settings)
    services = Services(settings=settings, clock=clock, store=store, study=study)
    services.knowledge = reload.load_policies(settings)  # jieba loads once, before forking
    services.quizzes = reload.load_quizzes(settings)
    services.points = reload.load_points(settings)
    services.reloader = reload.Reloader(services)
    services.reloader.mark_loaded()
    return services


def _fill_reflection_prints(store: Store) -> None:
    from bot.points.reflections import grams, prints
    from storage import reflections

    reflections.fill_prints(store, lambda text: prints(grams(text)))


def log_loaded(services: Services, what: str) -> None:
    """The start-up line: what was loaded, from where, and the database."""
    from bot import reload

    c = reload.counts(services)
    try:
        people = len(members.all_active(services.store))
    except Exception:  # a database that is not migrated yet
        people = 0
    log.info(
        "%s: loaded %d policy entries, %d study items, %d questions, %d members; database %s; %s",
        what,
        c.policies,
        c.study,
        c.questions,
        people,
        services.store.describe(),  # a PostgreSQL URL without its password
        reload.describe_sources(services.settings),
    )
