"""Real servers for the delivery tests: a group robot over HTTP that checks signatures as the
platforms do, and an SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class RobotServer:
    """An HTTP server standing for DingTalk, WeCom and Feishu robots: it records every post and answers
    the way the platform does; with `secret` set it checks the signature the way that platform does."""

    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    secret: str = ""
    received: list[dict] = field(default_factory=list)

    def start(self) -> "RobotServer":
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                robot.received.append({"path": url.path, "query": query, "body": body})
                answer = robot.answer
                if robot.secret and url.path.startswith("/robot/send") and not _dingtalk_ok(robot.secret, query):
                    answer = {"errcode": 310000, "errmsg": "sign not match"}
                if robot.secret and url.path.startswith("/open-apis") and not _feishu_ok(robot.secret, body):
                    answer = {
                        "code": 19021,
                        "msg": "sign match fail or timestamp is not within one hour from current time",
                    }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _dingtalk_ok(secret: str, query: dict) -> bool:
    """DingTalk: sign = base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded in the query."""
    stamp = query.get("timestamp", "")
    want = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    return hmac.compare_digest(want.decode(), query.get("sign", ""))


def _feishu_ok(secret: str, body: dict) -> bool:
    """Feishu: sign = base64(HMAC-SHA256(key="timestamp\\nsecret", empty message)), in the body."""
    stamp = body.get("timestamp", "")
    want = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest())
    return hmac.compare_digest(want.decode(), body.get("sign", ""))


class _Keep:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


class MailServer:
    """aiosmtpd on a free local port; `mails` holds (recipients, message) of everything accepted."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.keep = _Keep()
        self.controller = Controller(self.keep, hostname="127.0.0.1", port=self.port)

    @property
    def mails(self) -> list[tuple[list[str], EmailMessage]]:
        return self.keep.mails

    def start(self) -> "MailServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
