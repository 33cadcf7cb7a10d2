"""The job runner (implemented by the scheduling work, issue 5)."""

from __future__ import annotations

from bot.services import Services


class JobRunner:
    def __init__(self, services: Services) -> None:
        self.services = services

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        pass
