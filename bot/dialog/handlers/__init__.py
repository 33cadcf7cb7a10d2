"""One module per area of the intent table. Handlers take (Context, args) and return a Reply,
a reply text, or None for "not mine" (the router then tries the next tier)."""
