"""Persistence for 党建学习助手 on SQLite or PostgreSQL: plain functions over SQLAlchemy Core
(see storage/db.py). Never imports `bot`."""

from storage.db import Store, open_store

__all__ = ["Store", "open_store"]
