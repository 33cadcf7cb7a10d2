-- Every (timestamp, nonce) a callback used inside the timestamp window, with a digest of its
-- message, shared by all worker processes: a second use is refused unless the message is
-- byte-identical (a WeChat retry). Rows older than the window are pruned as new ones arrive.
CREATE TABLE callback_nonces (
    ts INTEGER NOT NULL,          -- the callback's timestamp parameter (seconds since the epoch)
    nonce TEXT NOT NULL,
    channel TEXT NOT NULL,
    digest TEXT NOT NULL,         -- sha256 of the message (decrypted in safe mode)
    PRIMARY KEY (ts, nonce, channel)
);
