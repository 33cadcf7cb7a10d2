"""Fakes for the WeChat server (callbacks) and the WeChat/WeCom APIs (pushes)."""
