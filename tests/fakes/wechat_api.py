"""A fake WeChat + WeCom API server for tests and benchmarks: Flask on 127.0.0.1, in a
background thread (werkzeug make_server, threaded, an ephemeral port).

Endpoints, as the real platforms spell them:
  POST /cgi-bin/stable_token  {grant_type, appid, secret, force_refresh}  Official Account token
  GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=   the old token API
  GET  /cgi-bin/gettoken?corpid=&corpsecret=                        WeCom token
  POST /cgi-bin/message/custom/send?access_token=                   customer-service message
  POST /cgi-bin/message/template/send?access_token=                 template message
  POST /cgi-bin/message/send?access_token=                          WeCom app message

Like the real ones: stable_token hands out the token in force (force_refresh makes a new one and
invalidates the old); the old token API and gettoken invalidate the previous token on every
call (a stale token gets 40001); errors come back as HTTP 200 with {"errcode", "errmsg"}.
The platform's current rules are enforced:
  - template messages: `first` and `remark` are dropped; keywordN values are cut to 20
    characters; a category-library field whose value breaks its type (thing > 20 characters or
    with a line break, phrase not 1-5 Chinese characters, character_string > 32 or not ASCII,
    number, time, date …) or is empty gets 47003; a repeated (touser, client_msg_id) within
    10 minutes is answered ok with the first msgid and not delivered again;
  - customer-service messages: at most `custom_quota` (5) per openid after each message of
    theirs (`member_wrote(openid)`), then 45047;
  - WeCom app messages with enable_duplicate_check=1: the same content to the same user within
    duplicate_check_interval is answered ok and not delivered again.
Every accepted message is recorded. Faults can be injected: an errcode, an HTTP status, a
dropped connection or latency, for some number of calls, on one API and/or one recipient. A
latency fault still delivers the message (the platform took it but answered late).

Run it on its own (the benchmark does, to keep it off the measuring process's GIL):
    python -m tests.fakes.wechat_api [--port 0]      prints the base URL, serves until killed
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

APPID = "wx-fake-appid"
SECRET = "fake-secret"
CORPID = "ww-fake-corp"
CORPSECRET = "fake-corp-secret"
AGENTID = "1000002"

API_PATHS = {
    "custom": "/cgi-bin/message/custom/send",
    "template": "/cgi-bin/message/template/send",
    "wecom": "/cgi-bin/message/send",
}
CUSTOM_QUOTA = 5
CLIENT_MSG_ID_WINDOW = 600.0
_TIME = r"(?:\d{4}年\d{1,2}月\d{1,2}日 )?\d{1,2}:\d{2}"
_DATE = r"\d{4}年\d{1,2}月\d{1,2}日(?: \d{1,2}:\d{2})?"
FIELD_RULES: dict[str, Any] = {
    "thing": lambda v: len(v) <= 20 and "\n" not in v and "\r" not in v,
    "phrase": lambda v: 1 <= len(v) <= 5 and all("\u4e00" <= c <= "\u9fff" for c in v),
    "character_string": lambda v: len(v) <= 32 and all(0x21 <= ord(c) <= 0x7E for c in v),
    "number": lambda v: len(v) <= 32 and re.fullmatch(r"\d+(\.\d+)?", v) is not None,
    "letter": lambda v: len(v) <= 32 and v.isascii() and v.isalpha(),
    "symbol": lambda v: len(v) <= 5 and all(not c.isalnum() for c in v),
    "time": lambda v: re.fullmatch(f"{_TIME}(?:~{_TIME})?", v) is not None,
    "date": lambda v: re.fullmatch(f"{_DATE}(?:~{_DATE})?", v) is not None,
    "name": lambda v: len(v) <= 20,
    "phone_number": lambda v: len(v) <= 17 and re.fullmatch(r"[0-9+\-]+", v) is not None,
    "car_number": lambda v: len(v) <= 8,
    "amount": lambda v: re.fullmatch(r"[¥$€£]?\d{1,10}(\.\d+)?元?", v) is not None,
    "const": lambda v: len(v) <= 20,
}


@dataclass
class Received:
    api: str  # custom | template | wecom
    touser: str
    text: str
    body: dict[str, Any]
    at: float


@dataclass
class Fault:
    api: str | None = None  # custom, template, wecom, token, gettoken; None = any message API
    touser: str | None = None
    errcode: int | None = None
    http_status: int | None = None
    drop: bool = False
    latency: float = 0.0
    times: int | None = 1  # None = forever
    hits: int = field(default=0)

    def matches(self, api: str, touser: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.api is not None and self.api != api:
            return False
        if self.api is None and api in ("token", "gettoken"):
            return False
        return self.touser is None or self.touser == touser


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_error(self, *args: Any) -> None:
        pass


class FakeWeChatAPI:
    def __init__(
        self,
        appid: str = APPID,
        secret: str = SECRET,
        corpid: str = CORPID,
        corpsecret: str = CORPSECRET,
    ) -> None:
        self.appid, self.secret = appid, secret
        self.corpid, self.corpsecret = corpid, corpsecret
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self.tokens: dict[str, str] = {}  # 'wechat' / 'wecom' -> the one valid token
        self.token_fetches: Counter[str] = Counter()
        self.messages: list[Received] = []
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.latency = 0.0
        self.custom_quota = CUSTOM_QUOTA
        self.custom_since_wrote: Counter[str] = Counter()
        self.client_msg_ids: dict[tuple[str, str], tuple[int, float]] = {}
        self.wecom_recent: dict[tuple[str, str], float] = {}
        self.duplicates_dropped: Counter[str] = Counter()  # api -> repeats not delivered
        self.templates: dict[str, list[str]] = {}  # template id -> its fields (when registered)
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        self.app = self._build()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- control ----------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeWeChatAPI:
        self._server = make_server(
            "127.0.0.1", port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeWeChatAPI:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, **kw: Any) -> Fault:
        """Add a fault, e.g. inject(errcode=45009, times=2), inject(http_status=502),
        inject(drop=True, touser='o-1'), inject(latency=2.0, api='custom')."""
        fault = Fault(**kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.messages.clear()
            self.calls.clear()
            self.token_fetches.clear()
            self.custom_since_wrote.clear()
            self.client_msg_ids.clear()
            self.wecom_recent.clear()
            self.duplicates_dropped.clear()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (a slow one finishes after its client gave
        up)."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout)

    def member_wrote(self, openid: str) -> None:
        """The member sent us a message: their customer-service quota starts again."""
        with self._lock:
            self.custom_since_wrote[openid] = 0

    def expire_token(self, kind: str = "wechat") -> None:
        """Invalidate the current token (as if another process had fetched a new one)."""
        with self._lock:
            self.tokens.pop(kind, None)

    # -- reading ----------------------------------------------------------------------------
    def received(self, api: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if api is None or m.api == api]

    def count_by_user(self, api: str | None = None) -> Counter[str]:
        return Counter(m.touser for m in self.received(api))

    # -- the app ----------------------------------------------------------------------------
    def _fault(self, api: str, touser: str) -> Fault | None:
        with self._lock:
            self.calls[api] += 1
            for f in self.faults:
                if f.matches(api, touser):
                    f.hits += 1
                    return f
        return None

    def _apply(self, fault: Fault | None) -> Response | None:
        delay = self.latency + (fault.latency if fault else 0.0)
        if delay:
            time.sleep(delay)
        if fault is None:
            return None
        if fault.drop:
            _drop_connection()
            return Response(b"", status=500)
        if fault.http_status:
            return Response("fault", status=fault.http_status, mimetype="text/plain")
        if fault.errcode is not None:
            return _json({"errcode": fault.errcode, "errmsg": f"injected {fault.errcode}"})
        return None

    def _check_template(self, body: dict[str, Any]) -> str | Response:
        """The text a member sees, or the platform's 47003 for a value that breaks its type."""
        data = body.get("data")
        if not isinstance(data, dict):
            return _json({"errcode": 47003, "errmsg": "argument invalid! data is empty"})
        template_id = str(body.get("template_id") or "")
        if not template_id:
            return _json({"errcode": 40037, "errmsg": "invalid template_id"})
        shown: list[str] = []
        for name in self.templates.get(template_id, []):
            if name not in data:
                return _json(
                    {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value is empty"}
                )
        for name, item in data.items():
            value = str(item.get("value", "")) if isinstance(item, dict) else ""
            kind = str(name).rstrip("0123456789")
            if name in ("first", "remark"):
                continue  # ignored since 2023-05-04
            if kind == "keyword":
                shown.append(" ".join(value.split())[:20])
                continue
            rule = FIELD_RULES.get(kind)
            if not value.strip():
                return _json(
                    {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value is empty"}
                )
            if rule is not None and not rule(value):
                return _json(
                    {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value invalid"}
                )
            shown.append(value)
        return "\n".join(shown)

    def _token(self, kind: str) -> str:
        token = f"{kind}-token-{next(self._serial)}"
        with self._lock:
            self.tokens[kind] = token
            self.token_fetches[kind] += 1
        return token

    def _build(self) -> Flask:
        app = Flask("fake_wechat_api")

        @app.before_request
        def enter() -> None:
            with self._lock:
                self._busy += 1

        @app.teardown_request
        def leave(exc: BaseException | None) -> None:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

        @app.post("/cgi-bin/stable_token")
        def stable_token() -> Response:
            failed = self._apply(self._fault("token", ""))
            if failed is not None:
                return failed
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _json({"errcode": 47001, "errmsg": "data format error"})
            if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
                return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
            if body.get("appid") != self.appid or body.get("secret") != self.secret:
                return _json({"errcode": 40013, "errmsg": "invalid appid"})
            with self._lock:
                current = self.tokens.get("wechat")
                self.calls["stable_token"] += 1
            if current and not body.get("force_refresh"):
                return _json({"access_token": current, "expires_in": 7200})
            return _json({"access_token": self._token("wechat"), "expires_in": 7200})

        @app.get("/cgi-bin/token")
        def token() -> Response:
            failed = self._apply(self._fault("token", ""))
            if failed is not None:
                return failed
            if request.args.get("appid") != self.appid or request.args.get("secret") != self.secret:
                return _json({"errcode": 40013, "errmsg": "invalid appid"})
            return _json({"access_token": self._token("wechat"), "expires_in": 7200})

        @app.get("/cgi-bin/gettoken")
        def gettoken() -> Response:
            failed = self._apply(self._fault("gettoken", ""))
            if failed is not None:
                return failed
            if (
                request.args.get("corpid") != self.corpid
                or request.args.get("corpsecret") != self.corpsecret
            ):
                return _json({"errcode": 40001, "errmsg": "invalid corpsecret"})
            return _json(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "access_token": self._token("wecom"),
                    "expires_in": 7200,
                }
            )

        def message(api: str, kind: str) -> Response:
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return _json({"errcode": 47001, "errmsg": "data format error"})
            if not isinstance(body, dict):
                return _json({"errcode": 47001, "errmsg": "data format error"})
            touser = str(body.get("touser", ""))
            failed = self._apply(self._fault(api, touser))
            if failed is not None:
                return failed
            with self._lock:
                valid = self.tokens.get(kind)
            if not valid or request.args.get("access_token") != valid:
                return _json({"errcode": 40001, "errmsg": "invalid credential"})
            if not touser:
                return _json({"errcode": 40003, "errmsg": "invalid openid"})
            reply: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
            now = time.time()
            if api == "template":
                checked = self._check_template(body)
                if isinstance(checked, Response):
                    return checked
                text = checked
                key = (touser, str(body.get("client_msg_id") or ""))
                with self._lock:
                    first = self.client_msg_ids.get(key) if key[1] else None
                    if first is not None and now - first[1] < CLIENT_MSG_ID_WINDOW:
                        self.duplicates_dropped[api] += 1
                        return _json({**reply, "msgid": first[0]})
                    reply["msgid"] = next(self._serial)
                    if key[1]:
                        self.client_msg_ids[key] = (int(reply["msgid"]), now)
            else:
                text = str((body.get("text") or {}).get("content", ""))
            with self._lock:
                if api == "custom":
                    if self.custom_since_wrote[touser] >= self.custom_quota:
                        return _json({"errcode": 45047, "errmsg": "out of response count limit"})
                    self.custom_since_wrote[touser] += 1
                if api == "wecom" and body.get("enable_duplicate_check"):
                    interval = float(body.get("duplicate_check_interval") or 1800)
                    seen = self.wecom_recent.get((touser, text))
                    self.wecom_recent[(touser, text)] = now if seen is None else seen
                    if seen is not None and now - seen < interval:
                        self.duplicates_dropped[api] += 1
                        return _json(
                            {**reply, "invaliduser": "", "invalidparty": "", "invalidtag": ""}
                        )
                self.messages.append(Received(api, touser, text, body, now))
            if api == "wecom":
                reply.update({"invaliduser": "", "invalidparty": "", "invalidtag": ""})
            return _json(reply)

        @app.post(API_PATHS["custom"])
        def custom() -> Response:
            return message("custom", "wechat")

        @app.post(API_PATHS["template"])
        def template() -> Response:
            return message("template", "wechat")

        @app.post(API_PATHS["wecom"])
        def wecom() -> Response:
            return message("wecom", "wecom")

        @app.get("/_fake/stats")
        def stats() -> Response:
            counts = self.count_by_user()
            return _json(
                {
                    "messages": sum(counts.values()),
                    "recipients": len(counts),
                    "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                    "calls": dict(self.calls),
                    "token_fetches": dict(self.token_fetches),
                }
            )

        @app.post("/_fake/clear")
        def clear() -> Response:
            self.clear()
            return _json({"ok": True})

        return app


def _json(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), mimetype="application/json")


def _drop_connection() -> None:
    """Reset the TCP connection under the current request: the client sees a network error."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def main() -> None:
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="A fake WeChat + WeCom API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = FakeWeChatAPI().start(args.port)
    print(fake.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    fake.stop()


if __name__ == "__main__":
    main()
