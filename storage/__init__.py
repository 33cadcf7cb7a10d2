"""SQLite persistence for 党建学习助手: plain functions over sqlite-utils. Never imports `bot`."""

from storage.db import Store, open_store

__all__ = ["Store", "open_store"]
