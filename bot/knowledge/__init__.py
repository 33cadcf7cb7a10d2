"""The policy library and its matcher: see library.py (search), entries.py (format, validate)."""

from bot.knowledge.entries import Entry, validate
from bot.knowledge.library import Hit, Library, SearchResult

__all__ = ["Entry", "Hit", "Library", "SearchResult", "validate"]
