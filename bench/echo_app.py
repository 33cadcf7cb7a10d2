"""The baseline for bench/webhook.py: a minimal app that only verifies nothing, parses the XML
with wechatpy and returns a text reply. Run under the same gunicorn settings as the real app."""

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.replies import TextReply

app = Flask(__name__)


@app.post("/wechat")
def wechat() -> Response:
    msg = parse_message(request.get_data())
    reply = TextReply(message=msg, content="收到")
    return Response(reply.render(), mimetype="application/xml")
