"""Scheduled jobs and the outbox dispatcher. Exactly one process runs them (a lease in SQLite)."""
