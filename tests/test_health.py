"""GET /healthz: database writable, content counts, the scheduler lease; non-200 when the
database can't be written or a library is empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.clock import FixedClock, stamp
from bot.config import load_settings
from bot.reload import counts
from bot.services import Services, build_services
from storage import lease, runtime


def test_healthz_reports_database_content_and_scheduler(
    services: Services, clock: FixedClock
) -> None:
    client = create_app(services.settings, services).test_client()
    body = client.get("/healthz").get_json()
    c = counts(services)
    assert body == {
        "status": "ok",
        "database": {"writable": True},
        "content": {
            "policies": c.policies,
            "study": c.study,
            "questions": c.questions,
            "empty": [],
            "generation": 0,
        },
        "scheduler": None,
    }
    assert c.policies > 40 and c.study > 30 and c.questions > 100
    now = clock.now()
    lease.take(
        services.store,
        lease.Claim("tok", "sched-host", 4242),
        stamp(now),
        stamp(now + timedelta(seconds=60)),
    )
    clock.advance(seconds=20)
    scheduler = client.get("/healthz").get_json()["scheduler"]
    assert scheduler["host"] == "sched-host" and scheduler["pid"] == 4242
    assert scheduler["renewed_at"] == stamp(now) and scheduler["expired"] is False
    clock.advance(seconds=60)
    assert client.get("/healthz").get_json()["scheduler"]["expired"] is True


def test_healthz_is_503_when_the_database_takes_no_writes(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise OSError("attempt to write a readonly database")

    monkeypatch.setattr(runtime, "probe_write", refuse)
    response = create_app(services.settings, services).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"]["writable"] is False
    assert "readonly" in body["database"]["error"]


def test_healthz_is_503_with_empty_content(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(
        env={"DANGJIAN_HOME": str(tmp_path)},
        dotenv=None,
        shipped_content=False,
        wechat_token="t",
    )
    services = build_services(settings, clock=clock)
    client = create_app(settings, services).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["content"]["empty"] == [
        "政策库 policy entries",
        "学习内容 study items",
        "题库 questions",
    ]
    allowed = replace(settings, allow_empty=True)
    services.settings = allowed
    assert create_app(allowed, services).test_client().get("/healthz").status_code == 200
    services.store.close()
