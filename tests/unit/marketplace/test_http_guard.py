"""The sender's SSRF guard (resolution checked at send time, the checked address connected to), https
only, no redirects followed; a refused target is never connected to."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from chalicelib.marketplace.adapters.http import HttpSender, Refused, check_target


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "url,addresses",
    [
        ("https://internal.example/hook", ["10.1.2.3"]),
        ("https://meta.example/hook", ["169.254.169.254"]),
        ("https://meta6.example/hook", ["fd00:ec2::254"]),
        ("https://aliyun.example/hook", ["100.100.100.200"]),
        ("https://local.example/hook", ["127.0.0.1"]),
        ("https://mapped.example/hook", ["::ffff:192.168.1.1"]),
        ("https://mixed.example/hook", ["93.184.216.34", "192.168.0.9"]),  # one bad address is enough
        ("https://multicast.example/hook", ["224.0.0.1"]),
        ("https://zero.example/hook", ["0.0.0.0"]),  # noqa: S104
        ("http://public.example/hook", ["93.184.216.34"]),  # http in production
        ("ftp://public.example/hook", ["93.184.216.34"]),
        ("https://user:pw@public.example/hook", ["93.184.216.34"]),
    ],
)
def test_refuses_private_metadata_loopback_and_plain_http(url: str, addresses: list[str]) -> None:
    with pytest.raises(Refused):
        check_target(url, False, resolver(*addresses))


def test_connects_to_the_checked_address() -> None:
    assert check_target("https://partner.example/x", False, resolver("93.184.216.34")) == (
        "https",
        "partner.example",
        443,
        "93.184.216.34",
    )


def test_the_dev_allowance_is_loopback_only() -> None:
    assert check_target("http://127.0.0.1:9000/x", True, resolver("127.0.0.1"))[3] == "127.0.0.1"
    with pytest.raises(Refused):
        check_target("http://10.0.0.1:9000/x", True, resolver("10.0.0.1"))
    with pytest.raises(Refused):
        check_target("http://partner.example/x", True, resolver("93.184.216.34"))


def test_a_refused_target_is_never_connected_to() -> None:
    sender = HttpSender(allow_loopback_http=False, resolver=resolver("10.0.0.5"))
    answer = sender.post("https://evil.example/hook", b"{}", {})
    assert answer.refused and answer.status is None and "10.0.0.5" in (answer.error or "")


class Redirecting(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def test_a_redirect_is_an_answer_not_followed(server: int) -> None:
    Redirecting.hits.clear()
    sender = HttpSender(allow_loopback_http=True)
    answer = sender.post(f"http://127.0.0.1:{server}/redirect", b"{}", {"content-type": "application/json"})
    assert answer.status == 302 and Redirecting.hits == ["/redirect"]
    assert sender.post(f"http://127.0.0.1:{server}/ok", b"{}", {}).status == 204


def test_loopback_without_the_allowance_is_refused(server: int) -> None:
    Redirecting.hits.clear()
    answer = HttpSender(allow_loopback_http=False).post(f"http://127.0.0.1:{server}/ok", b"{}", {})
    assert answer.refused and Redirecting.hits == []
