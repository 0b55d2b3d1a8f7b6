"""HTTP client for hidden tests: shaped like Flask's test client, proof against a hostile app."""

from __future__ import annotations

import http.client
import io
import json as jsonlib
import socket
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

from werkzeug.datastructures import Headers
from werkzeug.http import dump_cookie, parse_cookie, parse_date, parse_options_header

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# http.client already refuses more than 100 header lines or a line over 64 KiB; this caps the sum.
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_REDIRECTS = 5
EXCHANGE_BODY_CAP = 2048
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "grader-testkit"

_READ_CHUNK = 64 * 1024
# http.client's own limits, quoted in the messages: private names, absent from typeshed.
_HTTP_MAXLINE: int = http.client._MAXLINE  # type: ignore[attr-defined]
_HTTP_MAXHEADERS: int = http.client._MAXHEADERS  # type: ignore[attr-defined]
_RECENT_EXCHANGES = 100
_SAFE_PATH_CHARS = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY_CHARS = _SAFE_PATH_CHARS + "?"

Exchange = dict[str, Any]
HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None


class ClientError(AssertionError):
    """A request to the app failed; an AssertionError so that the test fails with this message."""


class ResponseRejected(ClientError):
    """The app's response broke a rule of the client (size, headers, redirects, encoding)."""


class AppUnreachable(ClientError):
    """The app refused the connection, closed it, or did not answer in time."""


class Response:
    """One response of the app, with the attributes of a Flask test client response."""

    def __init__(
        self,
        *,
        status_code: int,
        reason: str,
        headers: Headers,
        data: bytes,
        request_path: str,
        url: str,
    ) -> None:
        self.status_code = status_code
        phrase = reason.strip() or _standard_phrase(status_code)
        self.status = f"{status_code} {phrase.upper()}".rstrip()
        self.headers = headers
        self.data = data
        self.request_path = request_path
        self.url = url
        self.history: tuple[Response, ...] = ()
        self.exchange: Exchange | None = None  # the record of the request that got it

    def __repr__(self) -> str:
        return f"<Response {self.request_path} {self.status}>"

    @property
    def content_type(self) -> str | None:
        """Return the full Content-Type header, or None."""
        return self.headers.get("Content-Type")

    @property
    def mimetype(self) -> str | None:
        """Return the lower-cased media type of the body (``"application/json"``), or None."""
        if not self.content_type:
            return None
        return parse_options_header(self.content_type)[0].lower() or None

    @property
    def location(self) -> str | None:
        """Return the Location header, or None."""
        return self.headers.get("Location")

    @property
    def is_json(self) -> bool:
        """Tell whether the mimetype is JSON (``application/json`` or ``*/*+json``)."""
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @property
    def text(self) -> str:
        """Return the body decoded with its charset (UTF-8 by default), never raising."""
        charset = "utf-8"
        if self.content_type:
            charset = parse_options_header(self.content_type)[1].get("charset", "utf-8")
        try:
            return self.data.decode(charset, errors="replace")
        except LookupError:
            return self.data.decode("utf-8", errors="replace")

    def get_json(self, force: bool = False) -> Any:
        """Return the parsed body; None unless the mimetype is JSON (or force) and it parses."""
        if not (force or self.is_json):
            return None
        try:
            return jsonlib.loads(self.data)
        except (ValueError, RecursionError):
            return None

    @property
    def json(self) -> Any:
        """Return ``get_json()``, as Flask's test response does."""
        return self.get_json()


class Client:
    """Talk to the app at one base URL over HTTP, keeping a cookie jar like a browser.

    Every request has a deadline (connection, headers and body included), the body is capped
    before and after Content-Encoding decoding, and redirects never leave the app's host and
    port. Any breach raises a ClientError (an AssertionError) with a message, never a hang.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        on_exchange: Callable[[Exchange], None] | None = None,
        unix_socket: str | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"base URL must look like http://127.0.0.1:8000, not {base_url!r}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s!r}")
        self.host = parts.hostname.lower()
        self.port = parts.port or 80
        self.base_url = f"http://{parts.netloc}"
        self.timeout_s = timeout_s
        self.unix_socket = unix_socket  # where the app listens, when not on base_url's port
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.max_redirects = max_redirects
        self.last_exchange: Exchange | None = None
        self.exchanges: deque[Exchange] = deque(maxlen=_RECENT_EXCHANGES)
        self._on_exchange = on_exchange
        # name -> (raw value as the app sent it, expiry as a time.time() value or None)
        self._jar: dict[str, tuple[str, float | None]] = {}

    # -- requests ---------------------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> Response:
        """Send a GET request; see ``open`` for the keyword arguments."""
        return self.open(path, method="GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        """Send a POST request; see ``open`` for the keyword arguments."""
        return self.open(path, method="POST", **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        """Send a PUT request; see ``open`` for the keyword arguments."""
        return self.open(path, method="PUT", **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        """Send a PATCH request; see ``open`` for the keyword arguments."""
        return self.open(path, method="PATCH", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        """Send a DELETE request; see ``open`` for the keyword arguments."""
        return self.open(path, method="DELETE", **kwargs)

    def head(self, path: str, **kwargs: Any) -> Response:
        """Send a HEAD request; see ``open`` for the keyword arguments."""
        return self.open(path, method="HEAD", **kwargs)

    def options(self, path: str, **kwargs: Any) -> Response:
        """Send an OPTIONS request; see ``open`` for the keyword arguments."""
        return self.open(path, method="OPTIONS", **kwargs)

    def open(
        self,
        path: str = "/",
        method: str = "GET",
        *,
        json: Any = None,
        data: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | bytes | None = None,
        headers: HeadersArg = None,
        query_string: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | None = None,
        follow_redirects: bool = False,
    ) -> Response:
        """Send one request (following redirects on the app if asked) and return the response.

        ``data`` is form-encoded when it is a dict, sent as is when str or bytes; ``json`` is
        sent as JSON. Raises ResponseRejected or AppUnreachable (AssertionErrors) on a breach.
        """
        method = method.upper()
        target = self._target(path, query_string)
        body, content_type = _encode_body(json, data)
        extra_headers = list(Headers(headers).items()) if headers is not None else []
        history: list[Response] = []
        while True:
            response = self._exchange(method, target, body, content_type, extra_headers)
            if not follow_redirects or response.status_code not in REDIRECT_CODES:
                break
            if response.location is None:
                break
            if len(history) >= self.max_redirects:
                raise ResponseRejected(
                    f"more than {self.max_redirects} redirects, the last from "
                    f"{method} {target} to {response.location}"
                )
            target = self._redirect_target(target, response.location)
            if response.status_code not in (307, 308):
                # As browsers and Werkzeug's test client do: 301/302/303 become a GET.
                method = "HEAD" if method == "HEAD" else "GET"
                body, content_type = None, None
            history.append(response)
        response.history = tuple(history)
        return response

    # -- cookies ----------------------------------------------------------------------------

    @property
    def cookies(self) -> dict[str, str]:
        """Return a copy of the jar (name to value), without expired cookies."""
        self._drop_expired()
        return {name: _cookie_value(raw) for name, (raw, _) in self._jar.items()}

    def get_cookie(self, name: str) -> str | None:
        """Return the value of the cookie ``name``, or None."""
        return self.cookies.get(name)

    def set_cookie(self, name: str, value: str = "") -> None:
        """Put a cookie in the jar, sent with every later request."""
        # dump_cookie quotes what needs quoting and escapes ";" so the first pair is whole.
        cookie = dump_cookie(name, value, path=None)
        self._jar[name] = (cookie.split(";")[0].partition("=")[2], None)

    def delete_cookie(self, name: str) -> None:
        """Remove a cookie from the jar (nothing happens if it is absent)."""
        self._jar.pop(name, None)

    def _drop_expired(self) -> None:
        now = time.time()
        for name, (_, expires_at) in list(self._jar.items()):
            if expires_at is not None and expires_at <= now:
                del self._jar[name]

    def _store_cookies(self, headers: Headers) -> None:
        now = time.time()
        for header in headers.getlist("Set-Cookie"):
            parsed = _parse_set_cookie(header, now)
            if parsed is None:
                continue
            name, raw, expires_at = parsed
            if expires_at is not None and expires_at <= now:
                self._jar.pop(name, None)
            else:
                self._jar[name] = (raw, expires_at)

    def _cookie_header(self) -> str | None:
        self._drop_expired()
        if not self._jar:
            return None
        return "; ".join(f"{name}={raw}" for name, (raw, _) in self._jar.items())

    # -- one exchange -----------------------------------------------------------------------

    def _target(
        self,
        path: str,
        query_string: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | None,
    ) -> str:
        parts = urlsplit(path)
        if (parts.scheme or parts.netloc) and not self._same_origin(
            parts.scheme, parts.hostname, parts.port
        ):
            raise ValueError(f"the client only talks to the app at {self.base_url}: {path!r}")
        request_path = quote(parts.path or "/", safe=_SAFE_PATH_CHARS)
        if not request_path.startswith("/"):
            request_path = "/" + request_path
        query = quote(parts.query, safe=_SAFE_QUERY_CHARS)
        if query_string is not None:
            extra = (
                query_string.lstrip("?")
                if isinstance(query_string, str)
                else urlencode(_form_pairs(query_string))
            )
            query = f"{query}&{extra}" if query and extra else query or extra
        return f"{request_path}?{query}" if query else request_path

    def _same_origin(self, scheme: str, hostname: str | None, port: int | None) -> bool:
        return (
            scheme == "http" and (hostname or "").lower() == self.host and (port or 80) == self.port
        )

    def _redirect_target(self, current_target: str, location: str) -> str:
        url = urljoin(self.base_url + current_target, location.strip())
        try:
            parts = urlsplit(url)
            same_origin = self._same_origin(parts.scheme, parts.hostname, parts.port)
        except ValueError:
            same_origin = False
        if not same_origin:
            raise ResponseRejected(
                f"redirect to {location!r} leaves the app (only {self.base_url} is allowed)"
            )
        target = quote(parts.path or "/", safe=_SAFE_PATH_CHARS)
        query = quote(parts.query, safe=_SAFE_QUERY_CHARS)
        return f"{target}?{query}" if query else target

    def _request_headers(
        self,
        body: bytes | None,
        content_type: str | None,
        extra_headers: list[tuple[str, str]],
        method: str,
    ) -> list[tuple[str, str]]:
        given = {name.lower() for name, _ in extra_headers}
        defaults: list[tuple[str, str]] = [
            ("Host", f"{self.host}:{self.port}" if self.port != 80 else self.host),
            ("User-Agent", USER_AGENT),
            ("Connection", "close"),
        ]
        if content_type is not None:
            defaults.append(("Content-Type", content_type))
        if body is not None or method in ("POST", "PUT", "PATCH"):
            defaults.append(("Content-Length", str(len(body or b""))))
        cookie = self._cookie_header()
        if cookie is not None:
            defaults.append(("Cookie", cookie))
        return [(n, v) for n, v in defaults if n.lower() not in given] + extra_headers

    def _exchange(
        self,
        method: str,
        target: str,
        body: bytes | None,
        content_type: str | None,
        extra_headers: list[tuple[str, str]],
    ) -> Response:
        request_headers = self._request_headers(body, content_type, extra_headers, method)
        exchange: Exchange = {
            "method": method,
            "url": self.base_url + target,
            "request_headers": dict(request_headers),
            "request_body": _excerpt(body or b""),
            "status": None,
            "response_headers": {},
            "response_body": "",
            # CLOCK_MONOTONIC, which the supervisor's app log times share: when the request
            # began, and (set below) when its answer was read or failed.
            "t0": time.monotonic(),
        }
        deadline = time.monotonic() + self.timeout_s
        what = f"{method} {target}"
        conn = (
            _UnixHTTPConnection(self.unix_socket, self.host, self.port, timeout=self.timeout_s)
            if self.unix_socket
            else http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        )
        try:
            response = self._send_and_read(
                conn, method, target, body, request_headers, deadline, exchange
            )
            response.exchange = exchange
            return response
        except ClientError:
            raise
        except http.client.LineTooLong as e:
            raise ResponseRejected(
                f"{what}: a line of the response is longer than {_HTTP_MAXLINE} bytes"
            ) from e
        except http.client.RemoteDisconnected as e:
            raise AppUnreachable(f"{what}: the app closed the connection without answering") from e
        except http.client.IncompleteRead as e:
            raise AppUnreachable(
                f"{what}: the body ended early (the app closed the connection, "
                "or sent malformed chunks)"
            ) from e
        except http.client.BadStatusLine as e:
            raise ResponseRejected(f"{what}: the response is not HTTP ({str(e)[:100]!r})") from e
        except http.client.HTTPException as e:
            if str(e).startswith("got more than"):
                raise ResponseRejected(
                    f"{what}: the response has more than {_HTTP_MAXHEADERS} headers"
                ) from e
            raise ResponseRejected(f"{what}: invalid HTTP response ({e})") from e
        except TimeoutError as e:
            raise AppUnreachable(
                f"{what}: the app did not answer within {self.timeout_s:g} s"
            ) from e
        except ConnectionRefusedError as e:
            raise AppUnreachable(
                f"{what}: the app is not answering at {self.base_url} (connection refused)"
            ) from e
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError) as e:
            raise AppUnreachable(f"{what}: the app closed the connection") from e
        except OSError as e:
            raise AppUnreachable(f"{what}: the app is not answering ({e})") from e
        finally:
            conn.close()
            exchange["t1"] = time.monotonic()
            self.last_exchange = exchange
            self.exchanges.append(exchange)
            if self._on_exchange is not None:
                self._on_exchange(exchange)

    def _send_and_read(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        target: str,
        body: bytes | None,
        request_headers: list[tuple[str, str]],
        deadline: float,
        exchange: Exchange,
    ) -> Response:
        what = f"{method} {target}"
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in request_headers:
            conn.putheader(name, value)
        conn.endheaders(body)
        if conn.sock is None:  # pragma: no cover - endheaders connects or raises
            raise AppUnreachable(f"{what}: the app is not answering")
        # HTTPResponse only calls sock.makefile("rb"); typeshed asks for a real socket.
        deadline_sock = _DeadlineSocket(conn.sock, deadline)
        raw = http.client.HTTPResponse(deadline_sock, method=method)  # type: ignore[arg-type]
        try:
            raw.begin()
            header_bytes = sum(len(n) + len(v) + 4 for n, v in raw.getheaders())
            if header_bytes > self.max_header_bytes:
                raise ResponseRejected(
                    f"{what}: the response headers take {header_bytes} bytes, over the "
                    f"{self.max_header_bytes} bytes allowed"
                )
            headers = Headers(raw.getheaders())
            exchange["status"] = raw.status
            exchange["response_headers"] = _header_dict(headers)
            self._store_cookies(headers)
            data = self._read_body(raw, headers, what, exchange)
        finally:
            raw.close()
        exchange["response_body"] = _excerpt(data)
        return Response(
            status_code=raw.status,
            reason=raw.reason,
            headers=headers,
            data=data,
            request_path=unquote(target.partition("?")[0]),
            url=self.base_url + target,
        )

    def _read_body(
        self, raw: http.client.HTTPResponse, headers: Headers, what: str, exchange: Exchange
    ) -> bytes:
        cap = self.max_body_bytes
        too_big = f"{what}: the response body is over the {cap} bytes allowed"
        if raw.length is not None and raw.length > cap:
            raise ResponseRejected(f"{too_big} (Content-Length: {raw.length})")
        decoder = _ContentDecoder(headers.get("Content-Encoding", ""), cap, too_big, what)
        received = 0
        body = bytearray()
        while True:
            chunk = raw.read(_READ_CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if received > cap:
                raise ResponseRejected(too_big)
            body += decoder.feed(chunk)
            exchange["response_body"] = _excerpt(bytes(body[:EXCHANGE_BODY_CAP]))
        if raw.length:
            raise AppUnreachable(
                f"{what}: the app closed the connection {raw.length} bytes before the end "
                "of the body"
            )
        return bytes(body)


class _ContentDecoder:
    """Undo gzip/deflate Content-Encoding incrementally, never producing more than the cap."""

    def __init__(self, content_encoding: str, cap: int, too_big: str, what: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._cap = cap
        self._too_big = too_big
        self._what = what
        self._size = 0
        # Unknown codings (br, zstd...) are left as they are, as requests does.
        known = codings and all(c in ("gzip", "x-gzip", "deflate") for c in codings)
        self._stages = [_Inflater(c) for c in reversed(codings)] if known else []

    def feed(self, chunk: bytes) -> bytes:
        """Return the decoded bytes of one more chunk of the body."""
        for stage in self._stages:
            try:
                chunk = stage.inflate(chunk, self._cap - self._size + 1)
            except zlib.error as e:
                raise ResponseRejected(
                    f"{self._what}: the body does not decode as {stage.coding} ({e})"
                ) from e
        self._size += len(chunk)
        if self._size > self._cap:
            raise ResponseRejected(f"{self._too_big} once decoded")
        return chunk


class _Inflater:
    """One zlib stage; a gzip bomb stops at ``limit`` bytes instead of filling memory."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        # gzip: a gzip header; deflate: a zlib header (32 + MAX_WBITS accepts both), or raw.
        self._inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
        self._started = False
        self._total = 0

    def inflate(self, data: bytes, limit: int) -> bytes:
        if not self._started and self.coding == "deflate" and not _has_zlib_header(data):
            # Some servers send raw deflate without the zlib header.
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self._started = True
        out = bytearray()
        while data and len(out) < limit:
            out += self._inflater.decompress(data, limit - len(out))
            data = self._inflater.unconsumed_tail
        return bytes(out)


class _DeadlineSocket:
    """Hand http.client a socket whose reads all end by one deadline (headers and body)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer)


def _has_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _encode_body(
    json: Any, data: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | bytes | None
) -> tuple[bytes | None, str | None]:
    if json is not None and data is not None:
        raise ValueError("pass json= or data=, not both")
    if json is not None:
        return jsonlib.dumps(json).encode(), "application/json"
    if data is None:
        return None, None
    if isinstance(data, bytes):
        return data, None
    if isinstance(data, str):
        return data.encode(), None
    return urlencode(_form_pairs(data)).encode(), "application/x-www-form-urlencoded"


def _form_pairs(data: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Flatten form or query values, dropping None as Werkzeug's test client does.

    ``{"next": None}`` sends no ``next`` at all (not the text "None"); a list sends each item.
    """
    items = data.items() if isinstance(data, Mapping) else data
    pairs = []
    for name, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, item) for item in values if item is not None]
    return pairs


def _parse_set_cookie(header: str, now: float) -> tuple[str, str, float | None] | None:
    """Return (name, raw value, expiry or None) of one Set-Cookie header, None if malformed."""
    first, *attributes = header.split(";")
    name, sep, raw = first.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        return None
    max_age: int | None = None
    expires: float | None = None
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "max-age":
            try:
                max_age = int(value)
            except ValueError:
                continue
        elif key == "expires":
            date = parse_date(value)
            if date is not None:
                expires = date.timestamp()
    if max_age is not None:  # Max-Age wins over Expires (RFC 6265 5.3)
        return name, raw, now + max_age if max_age > 0 else now
    return name, raw, expires


def _cookie_value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return parse_cookie(f"c={raw}").get("c", raw)
    return raw


def _header_dict(headers: Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.items():
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _excerpt(data: bytes) -> str:
    return data[:EXCHANGE_BODY_CAP].decode("utf-8", errors="replace")


def _standard_phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to the app's Unix socket, with the URL's host and port in the Host header.

    The grader serves each app on a socket only its own suite can reach (see the supervisor's
    Layout.app_socket), so the app sees the same requests as over TCP.
    """

    def __init__(self, path: str, host: str, port: int | None, *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock
