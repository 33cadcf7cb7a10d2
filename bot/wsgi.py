"""WSGI entry for running under an external gunicorn: `gunicorn --preload bot.wsgi:app`.
Prefer `dangjian serve`, which reopens the database connection in each worker."""

from bot.app import create_app
from bot.config import load_settings

app = create_app(load_settings())
