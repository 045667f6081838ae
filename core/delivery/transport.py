"""Sending one message: a JSON post to a DingTalk, WeCom or Feishu group robot, or a mail over SMTP.

Each robot has its own body, its own signature and its own way of saying that it refused
(DingTalk and WeCom `errcode`, Feishu `code`, all with HTTP 200); every refusal, timeout and
network error becomes a `DeliveryError` with the robot's own words, for the outbox to keep.
The mail server is read from the environment (`APP_SMTP_*`, see `smtp_settings`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

TIMEOUT_S = 10
# The robots' own limits on one message (bytes of UTF-8); longer texts are cut with a note.
TEXT_LIMITS = {"dingtalk": 18000, "wecom": 4000, "feishu": 18000}


class DeliveryError(Exception):
    """A message that did not go out, with the reason in the words of the other side."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str  # "text/html", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    sender: str
    security: str  # "starttls", "ssl" or "none"


def smtp_settings() -> SmtpSettings | None:
    """The mail server from `APP_SMTP_HOST`, `APP_SMTP_PORT` (587), `APP_SMTP_USER`, `APP_SMTP_PASSWORD`,
    `APP_SMTP_FROM` (default the user) and `APP_SMTP_SECURITY` (starttls, ssl or none); None without a host."""
    host = os.environ.get("APP_SMTP_HOST", "").strip()
    if not host:
        return None
    security = os.environ.get("APP_SMTP_SECURITY", "starttls").strip().lower()
    if security not in ("starttls", "ssl", "none"):
        security = "starttls"
    user = os.environ.get("APP_SMTP_USER", "").strip()
    return SmtpSettings(
        host=host,
        port=int(os.environ.get("APP_SMTP_PORT", "465" if security == "ssl" else "587")),
        user=user,
        password=os.environ.get("APP_SMTP_PASSWORD", ""),
        sender=os.environ.get("APP_SMTP_FROM", "").strip() or user or f"ops-console@{host}",
        security=security,
    )


def fit(text: str, kind: str, more_note: str) -> str:
    """The text cut at a line end to the robot's limit, `more_note` saying so; unchanged when it fits."""
    limit = TEXT_LIMITS.get(kind)
    if limit is None or len(text.encode("utf-8")) <= limit:
        return text
    budget = limit - len(more_note.encode("utf-8")) - 2
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join(kept) + "\n\n" + more_note


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64 of HMAC-SHA256 keyed with the secret over "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: base64 of HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_request(kind: str, url: str, secret: str, title: str, text: str) -> tuple[str, dict]:
    """The address and JSON body one robot expects for a markdown message titled `title`."""
    if kind == "dingtalk":
        if secret:
            stamp = int(time.time() * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, stamp))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n{text}"}}
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n\n{text}"}}
    if kind == "feishu":
        body: dict = {"msg_type": "text", "content": {"text": f"{title}\n\n{text}"}}
        if secret:
            stamp = int(time.time())
            body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
        return url, body
    raise ValueError(kind)


def post_to_robot(kind: str, url: str, secret: str, title: str, text: str) -> None:
    """Post one markdown message to a group robot; raise DeliveryError unless the robot took it."""
    address, body = robot_request(kind, url, secret, title, text)
    request = urllib.request.Request(
        address,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - the admin's URL
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"{reason}") from None
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DeliveryError(f"not a robot's answer: {raw[:200]!r}") from None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        words = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise DeliveryError(f"{code} {words}".strip())


def send_mail(
    settings: SmtpSettings | None,
    recipients: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    sender_name: str = "",
) -> None:
    """Send one mail (plain text, an HTML alternative, attachments); raise DeliveryError unless the
    server accepted it for every recipient."""
    if settings is None:
        raise DeliveryError("no mail server: set APP_SMTP_HOST")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((sender_name, settings.sender)) if sender_name else settings.sender
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        main, _, sub = item.mime.partition("/")
        message.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
    try:
        if settings.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_S)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password)
            refused = server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    if refused:
        raise DeliveryError("refused: " + ", ".join(f"{who} ({code})" for who, (code, _) in refused.items()))
