"""Web pages served next to the callbacks: the chat simulator."""
