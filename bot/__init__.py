"""党建学习助手 (dangjian-bot): a WeChat chat service for Party branches."""

__version__ = "0.1.0"
