"""The brain: (Inbound, Context) -> Reply. No Flask, no XML, no HTTP."""
