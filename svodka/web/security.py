"""``svodka serve`` is safe by default: what every request goes through before a route.

* **Where it listens.**  On a loopback address (the default, 127.0.0.1) only this computer
  reaches it, and requests must name a loopback host (``Host: 127.0.0.1:8000``,
  ``localhost``): a web page elsewhere cannot reach it through DNS rebinding.  Anywhere else
  an access token is required (``--token`` or ``SVODKA_TOKEN``): the server does not start
  without one.
* **The token** comes as ``Authorization: Bearer TOKEN`` (programs), or once as
  ``?token=TOKEN`` in the address, which sets an HttpOnly, SameSite=Strict cookie and
  redirects to the same address without it (people).  Only ``/healthz`` needs none.
* **Cross-site posts** are refused: a POST whose ``Origin`` is not the server itself.
* **Upload size**: a request body over the limit is refused with 413, by its
  ``Content-Length`` before anything is read, or as soon as the bytes read pass it.
* **Headers**: a Content-Security-Policy that allows scripts, styles and images from the
  server only (and page pictures as data: URIs), no framing, no referrer, no sniffing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_ENV = "SVODKA_TOKEN"
COOKIE = "svodka_token"
OPEN_PATHS = ("/healthz",)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this computer can connect."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TokenRequired(ValueError):
    """The server would listen beyond this computer without an access token."""


def check_exposure(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise TokenRequired(
            f"--host {host}: сервер будет доступен не только с этого компьютера, нужен ключ "
            f"доступа: --token КЛЮЧ или переменная окружения {TOKEN_ENV}")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    for part in (_header(scope, b"cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _host_name(host_header: str | None) -> str:
    """The host of a ``Host`` header, without the port (IPv6 in brackets kept whole)."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _wants_page(scope: Scope) -> bool:
    """A person's browser asking for a page (not the API, not a script's fetch)."""
    return (not str(scope.get("path", "")).startswith("/api/")
            and "text/html" in (_header(scope, b"accept") or ""))


async def _send_error(scope: Scope, send: Send, status: int, code: str, message: str,
                      extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """``{"code": …, "message": …}``, or for a browser the same words as a page."""
    if _wants_page(scope):
        kind = b"text/html; charset=utf-8"
        body = ('<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
                f"<title>svodka: {escape(code)}</title></head><body><h1>svodka</h1>"
                f"<p>{escape(code)}: {escape(message)}</p></body></html>").encode()
    else:
        kind = b"application/json; charset=utf-8"
        body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
               *SECURITY_HEADERS, *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The checks above, as ASGI middleware around the application."""

    def __init__(self, app: ASGIApp, *, host: str, token: str | None,
                 max_body: int | None) -> None:
        check_exposure(host, token)
        self.app = app
        self.loopback_only = is_loopback(host)
        self.token = token or None
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope)
        if refused is not None:
            await _send_error(scope, send, *refused)
            return
        if self.token and scope["path"] not in OPEN_PATHS:
            if await self._token_in_query(scope, send):
                return
            if not self._has_token(scope):
                await _send_error(scope, send, 401, "E_TOKEN",
                                  "нужен ключ доступа: заголовок «Authorization: Bearer КЛЮЧ» "
                                  "или адрес страницы с ?token=КЛЮЧ",
                                  [(b"www-authenticate", b"Bearer")])
                return
        await self.app(scope, self._limited(receive, send), self._with_headers(send))

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        host = _host_name(_header(scope, b"host"))
        if self.loopback_only and not is_loopback(host):
            return 400, "E_HOST", f"сервер отвечает только на адрес этого компьютера, не {host}"
        origin = _header(scope, b"origin")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin not in (None, "null"):
            if urlsplit(origin).netloc.lower() != (_header(scope, b"host") or "").lower():
                return 403, "E_ORIGIN", "запрос с другого сайта отклонён"
        length = _header(scope, b"content-length")
        if self.max_body and length and length.isdigit() and int(length) > self.max_body:
            return 413, "E_TOO_LARGE", self.too_large()
        return None

    def too_large(self) -> str:
        return (f"файл больше предела загрузки: {(self.max_body or 0) / 2**20:g} МБ "
                "(--max-upload-mb)")

    def _has_token(self, scope: Scope) -> bool:
        assert self.token is not None
        auth = _header(scope, b"authorization") or ""
        scheme, _, given = auth.partition(" ")
        if scheme.lower() == "bearer" and _same(given.strip(), self.token):
            return True
        cookie = _cookie(scope, COOKIE)
        return cookie is not None and _same(cookie, self.token)

    async def _token_in_query(self, scope: Scope, send: Send) -> bool:
        """``?token=…`` on a page: the cookie is set and the address shown without it."""
        query = parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1"),
                          keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if scope["method"] != "GET" or not given or not _same(given[0], self.token or ""):
            return False
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={given[0]}; HttpOnly; SameSite=Strict; Path=/"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("utf-8")),
                                (b"set-cookie", cookie.encode("latin-1")),
                                (b"content-length", b"0"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": b""})
        return True

    def _limited(self, receive: Receive, send: Send) -> Receive:
        """``receive`` that stops a body growing past the limit (no Content-Length)."""
        if not self.max_body:
            return receive
        seen = 0
        limit = self.max_body

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(self.too_large())
            return message

        return limited

    def _with_headers(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[h for h in SECURITY_HEADERS if h[0] not in names]]
            await send(message)

        return sending


class BodyTooLarge(Exception):
    """A request body passed the upload limit while it was being read."""
