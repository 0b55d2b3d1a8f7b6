"""Tests of the hidden suites' HTTP client against a real Flask app and hostile raw servers."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest
import waitress
from flask import Flask, jsonify, make_response, redirect, request
from waitress import wasyncore

from grader.testkit.client import (
    AppUnreachable,
    Client,
    ClientError,
    ResponseRejected,
)

from .rawhttp import Respond, raw_server

MiB = 1024 * 1024


def _make_app() -> Flask:
    app = Flask(__name__)

    @app.get("/json")
    def json_view():
        return {"hello": "world"}

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def echo():
        return {
            "method": request.method,
            "path": request.path,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "json": request.get_json(silent=True),
            "data": request.get_data(as_text=True),
            "content_type": request.content_type,
            "x_token": request.headers.get("X-Token"),
            "cookies": request.cookies.to_dict(),
        }

    @app.get("/bytes/<int:size>")
    def sized_body(size: int):
        return "x" * size

    @app.get("/teapot")
    def teapot():
        return "short and stout", 418

    @app.get("/html")
    def html():
        return "<p>hi</p>"

    @app.get("/bad-json")
    def bad_json():
        return app.response_class("{not json", mimetype="application/json")

    @app.get("/set-cookie")
    def set_cookie():
        response = make_response("set")
        response.set_cookie("flavour", "oat")
        response.set_cookie("size", "large")
        return response

    @app.get("/clear-cookie")
    def clear_cookie():
        response = make_response("cleared")
        response.delete_cookie("flavour")
        return response

    @app.get("/expire-cookie")
    def expire_cookie():
        response = make_response("expired")
        response.headers["Set-Cookie"] = "size=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"
        return response

    @app.get("/redirect")
    def to_json():
        return redirect("/json")

    @app.get("/redirect-absolute")
    def to_json_absolute():
        return redirect(request.host_url + "json")

    @app.get("/chain/<int:hops>")
    def chain(hops: int):
        return redirect(f"/chain/{hops - 1}") if hops else jsonify(done=True)

    @app.post("/redirect/<int:code>")
    def redirect_post(code: int):
        return redirect("/echo", code=code)

    @app.get("/leave")
    def leave():
        return redirect(request.args["to"])

    @app.get("/gzip")
    def gzipped():
        response = make_response(gzip.compress(b'{"packed": true}'))
        response.headers.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
        return response

    @app.get("/deflate")
    def deflated():
        response = make_response(zlib.compress(b"plain words"))
        response.headers["Content-Encoding"] = "deflate"
        return response

    return app


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    sockets: dict = {}
    server = waitress.create_server(_make_app(), map=sockets, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from the server's own loop thread, which then ends.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        thread.join(5)
        server.task_dispatcher.shutdown()


@pytest.fixture
def client(app_url: str) -> Client:
    return Client(app_url, timeout_s=5)


def _reply(raw: bytes) -> Respond:
    def respond(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(raw)

    return respond


def _never_answer(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(5)


def _drip(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(0.05):
        conn.sendall(b"X-Drip: 1\r\n")


def _close_at_once(conn: socket.socket, stop: threading.Event) -> None:
    pass


def _stream_body(size: int) -> Respond:
    def respond(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        block = b"x" * 65536
        for _ in range(size // len(block)):
            conn.sendall(block)

    return respond


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    packed = b"".join(packer.compress(zeros) for _ in range(32)) + packer.flush()
    head = (
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(packed)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + packed


# -- requests and responses -------------------------------------------------------------------


def test_get_returns_status_headers_and_json(client: Client) -> None:
    response = client.get("/json")
    assert response.status_code == 200
    assert response.status == "200 OK"
    assert response.get_json() == {"hello": "world"}
    assert response.json == {"hello": "world"}
    assert response.mimetype == "application/json"
    assert response.content_type == "application/json"
    assert response.headers.get("content-type") == "application/json"
    assert response.request_path == "/json"
    assert response.history == ()


@pytest.mark.parametrize(
    ("path", "status"), [("/missing", "404 NOT FOUND"), ("/teapot", "418 I'M A TEAPOT")]
)
def test_status_is_code_and_upper_case_reason(client: Client, path: str, status: str) -> None:
    assert client.get(path).status == status


def test_get_json_is_none_unless_the_body_is_json(client: Client) -> None:
    html = client.get("/html")
    assert html.get_json() is None
    assert html.text == "<p>hi</p>"
    assert html.mimetype == "text/html"
    assert html.content_type == "text/html; charset=utf-8"
    assert client.get("/bad-json").get_json() is None


def test_json_body_is_sent_as_json(client: Client) -> None:
    echoed = client.post("/echo", json={"name": "Ada"}).get_json()
    assert echoed["json"] == {"name": "Ada"}
    assert echoed["content_type"] == "application/json"


def test_dict_data_is_sent_form_encoded(client: Client) -> None:
    echoed = client.post("/echo", data={"name": "Ada", "tag": ["a", "b"]}).get_json()
    assert echoed["form"] == {"name": ["Ada"], "tag": ["a", "b"]}


def test_none_form_and_query_values_are_dropped_as_werkzeug_does(client: Client) -> None:
    echoed = client.post(
        "/echo",
        data={"name": "Ada", "next": None, "tag": ["a", None]},
        query_string={"q": None, "page": 2},
    ).get_json()
    assert echoed["form"] == {"name": ["Ada"], "tag": ["a"]}
    assert echoed["args"] == {"page": ["2"]}


@pytest.mark.parametrize("data", ["raw text", b"raw text"])
def test_str_and_bytes_data_are_sent_as_is(client: Client, data: str | bytes) -> None:
    echoed = client.put("/echo", data=data, headers={"Content-Type": "text/plain"}).get_json()
    assert echoed["data"] == "raw text"
    assert echoed["content_type"] == "text/plain"


def test_query_string_and_headers_reach_the_app(client: Client) -> None:
    echoed = client.get(
        "/echo?a=1", query_string={"b": ["2", "3"]}, headers={"X-Token": "t0k"}
    ).get_json()
    assert echoed["args"] == {"a": ["1"], "b": ["2", "3"]}
    assert echoed["x_token"] == "t0k"
    assert client.get("/echo", query_string="c=4").get_json()["args"] == {"c": ["4"]}


def test_non_ascii_paths_are_percent_encoded(client: Client) -> None:
    response = client.get("/echo/ünïcode")
    assert response.status_code == 404
    assert response.request_path == "/echo/ünïcode"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_every_method_helper_sends_its_method(client: Client, method: str) -> None:
    response = getattr(client, method)("/echo")
    assert response.status_code == 200
    if method != "options":  # Flask answers OPTIONS itself
        assert response.get_json()["method"] == method.upper()


def test_head_has_headers_but_no_body(client: Client) -> None:
    response = client.head("/json")
    assert response.status_code == 200
    assert response.data == b""
    assert response.mimetype == "application/json"


def test_open_takes_the_method(client: Client) -> None:
    assert client.open("/echo", method="patch").get_json()["method"] == "PATCH"


def test_other_hosts_are_refused_before_sending(client: Client) -> None:
    with pytest.raises(ValueError, match="only talks to the app"):
        client.get("http://example.com/")


@pytest.mark.parametrize(
    ("path", "text"), [("/gzip", '{"packed": true}'), ("/deflate", "plain words")]
)
def test_compressed_bodies_are_decoded(client: Client, path: str, text: str) -> None:
    assert client.get(path).text == text


# -- cookies ------------------------------------------------------------------------------------


def test_cookie_jar_sends_back_cookies_the_app_sets(client: Client) -> None:
    response = client.get("/set-cookie")
    assert len(response.headers.get_all("Set-Cookie")) == 2
    assert client.get_cookie("flavour") == "oat"
    assert client.cookies == {"flavour": "oat", "size": "large"}
    assert client.get("/echo").get_json()["cookies"] == {"flavour": "oat", "size": "large"}


def test_max_age_zero_deletes_a_cookie(client: Client) -> None:
    client.get("/set-cookie")
    client.get("/clear-cookie")
    assert client.get_cookie("flavour") is None
    assert client.get("/echo").get_json()["cookies"] == {"size": "large"}


def test_past_expires_deletes_a_cookie(client: Client) -> None:
    client.get("/set-cookie")
    client.get("/expire-cookie")
    assert client.cookies == {"flavour": "oat"}


def test_set_and_delete_cookie_control_what_is_sent(client: Client) -> None:
    client.set_cookie("motto", 'a b;c"d')
    assert client.get_cookie("motto") == 'a b;c"d'
    assert client.get("/echo").get_json()["cookies"] == {"motto": 'a b;c"d'}
    client.delete_cookie("motto")
    client.delete_cookie("never-set")
    assert client.get("/echo").get_json()["cookies"] == {}


def test_each_client_has_its_own_jar(app_url: str) -> None:
    first, second = Client(app_url), Client(app_url)
    first.get("/set-cookie")
    assert second.cookies == {}


# -- redirects ----------------------------------------------------------------------------------


def test_redirects_are_not_followed_unless_asked(client: Client) -> None:
    response = client.get("/redirect")
    assert response.status_code == 302
    assert response.location == "/json"


@pytest.mark.parametrize("path", ["/redirect", "/redirect-absolute"])
def test_followed_redirects_keep_history(client: Client, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.get_json() == {"hello": "world"}
    assert response.request_path == "/json"
    assert [r.status_code for r in response.history] == [302]


def test_five_redirects_are_followed(client: Client) -> None:
    response = client.get("/chain/5", follow_redirects=True)
    assert response.get_json() == {"done": True}
    assert len(response.history) == 5


def test_a_sixth_redirect_is_refused(client: Client) -> None:
    with pytest.raises(ResponseRejected, match="more than 5 redirects"):
        client.get("/chain/6", follow_redirects=True)


@pytest.mark.parametrize(("code", "method"), [(302, "GET"), (303, "GET"), (307, "POST")])
def test_redirect_codes_keep_or_drop_the_method(client: Client, code: int, method: str) -> None:
    echoed = client.post(f"/redirect/{code}", data="body", follow_redirects=True).get_json()
    assert echoed["method"] == method
    assert echoed["data"] == ("body" if method == "POST" else "")


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:1/json", "http://example.com/json", "//example.com/json"]
)
def test_redirect_leaving_the_app_is_refused(client: Client, location: str) -> None:
    assert client.get("/leave", query_string={"to": location}).location == location
    with pytest.raises(ResponseRejected, match="leaves the app"):
        client.get("/leave", query_string={"to": location}, follow_redirects=True)


# -- recording ----------------------------------------------------------------------------------


def test_last_exchange_records_request_and_capped_response(app_url: str) -> None:
    seen: list[dict] = []
    client = Client(app_url, on_exchange=seen.append)
    client.post("/echo", data="x" * 5000)
    client.get("/bytes/5000")
    exchange = client.last_exchange
    assert exchange is not None
    assert exchange["method"] == "GET"
    assert exchange["url"] == f"{app_url}/bytes/5000"
    assert exchange["request_headers"]["User-Agent"] == "grader-testkit"
    assert exchange["status"] == 200
    assert exchange["response_headers"]["Content-Length"] == "5000"
    assert exchange["response_body"] == "x" * 2048
    assert [e["method"] for e in seen] == ["POST", "GET"]
    assert len(seen[0]["request_body"]) == 2048


def test_failed_exchange_is_recorded_without_status() -> None:
    with raw_server(_close_at_once) as url:
        client = Client(url, timeout_s=1)
        with pytest.raises(AppUnreachable):
            client.get("/")
    assert client.last_exchange is not None
    assert client.last_exchange["status"] is None


# -- hostile responses --------------------------------------------------------------------------


def test_gzip_bomb_is_refused_within_cap(gzip_bomb: bytes) -> None:
    with raw_server(_reply(gzip_bomb)) as url:
        client = Client(url, timeout_s=5)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseRejected, match="once decoded"):
                client.get("/")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 4 * MiB  # the bomb inflates to 32 MiB


def test_body_over_the_cap_is_refused(client: Client, app_url: str) -> None:
    small = Client(app_url, max_body_bytes=1000)
    assert len(small.get("/bytes/1000").data) == 1000
    with pytest.raises(ResponseRejected, match="over the 1000 bytes allowed"):
        small.get("/bytes/1001")


def test_never_answering_app_fails_within_the_timeout() -> None:
    with raw_server(_never_answer) as url:
        started = time.monotonic()
        with pytest.raises(AppUnreachable, match=r"did not answer within 0\.3 s"):
            Client(url, timeout_s=0.3).get("/")
        assert time.monotonic() - started < 2


def test_drip_fed_response_fails_within_the_timeout() -> None:
    with raw_server(_drip) as url:
        started = time.monotonic()
        with pytest.raises(AppUnreachable, match=r"did not answer within 0\.3 s"):
            Client(url, timeout_s=0.3).get("/")
        assert time.monotonic() - started < 2


def test_refused_connection_says_the_app_is_not_answering() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    with pytest.raises(AppUnreachable, match=r"not answering at .* \(connection refused\)"):
        Client(f"http://127.0.0.1:{port}").get("/")


_HUNDREDS_OF_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"".join(
    f"X-H{i}: {i}\r\n".encode() for i in range(200)
)
_BIG_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"".join(
    f"X-H{i}: {'v' * 1000}\r\n".encode() for i in range(90)
)


@pytest.mark.parametrize(
    ("respond", "error", "message"),
    [
        (_reply(_HUNDREDS_OF_HEADERS + b"\r\n"), ResponseRejected, "more than 100 headers"),
        (_reply(_BIG_HEADERS + b"\r\n"), ResponseRejected, "headers take .* bytes"),
        (
            _reply(b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 70000 + b"\r\n\r\n"),
            ResponseRejected,
            "longer than 65536 bytes",
        ),
        (
            _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"),
            ResponseRejected,
            "Content-Length: 1000000000000",
        ),
        (_stream_body(2 * MiB), ResponseRejected, "body is over the 1048576 bytes"),
        (
            _reply(
                b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!"
            ),
            ResponseRejected,
            "does not decode as gzip",
        ),
        (_reply(b"garbage\r\n\r\n"), ResponseRejected, "not HTTP"),
        (_close_at_once, AppUnreachable, "closed the connection without answering"),
        (
            _reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"),
            AppUnreachable,
            "closed the connection 95 bytes before the end",
        ),
    ],
    ids=[
        "200-headers",
        "90-KiB-of-headers",
        "70-KB-header-line",
        "huge-content-length",
        "2-MiB-streamed-body",
        "invalid-gzip",
        "not-http",
        "closes-connection",
        "truncated-body",
    ],
)
def test_hostile_response_fails_the_test_with_a_clear_message(
    respond: Respond, error: type[ClientError], message: str
) -> None:
    with raw_server(respond) as url, pytest.raises(error, match=message) as caught:
        Client(url, timeout_s=2).get("/")
    assert isinstance(caught.value, AssertionError)
    assert str(caught.value).startswith("GET /: ")
