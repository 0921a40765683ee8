"""``fh partner receive``: a local webhook receiver for partners, verifying Standard Webhooks signatures.

    fh partner receive --port 9000 --secret whsec_…

Each POST is verified as a partner's server should, with the ``standardwebhooks`` library
(``webhook-id``, ``webhook-timestamp`` within 5 minutes, one ``v1`` entry of ``webhook-signature``
matching the HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed by the base64 after ``whsec_``), printed
(type, id, data) and answered 204; a bad one is answered 401 and printed with the reason. The library is
independent of the marketplace's signer, so the two check each other. ``Receiver`` runs in-process on a
port (tests, the bench).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_S = 300


class Invalid(Exception):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The event if the delivery verifies; ``Invalid`` (saying why) otherwise.

    Checked by the ``standardwebhooks`` library (the reference implementation a partner would use), not
    by the marketplace's own signer: the two check each other."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    try:
        event: dict[str, Any] = Webhook(secret).verify(body, headers)
    except WebhookVerificationError as exc:
        raise Invalid(str(exc) or "the signature does not verify") from None
    except (ValueError, TypeError) as exc:  # a malformed secret or body
        raise Invalid(f"cannot verify: {exc}") from None
    return event


@dataclass
class Receiver:
    """A receiver on ``host:port`` (0: any free port); ``events`` holds what verified, with the
    ``webhook-id`` and the time it arrived; ``answer`` may script a status per request (tests)."""

    secret: str
    port: int = 0
    host: str = "127.0.0.1"
    quiet: bool = False
    answer: Callable[[dict[str, Any]], int] | None = None
    events: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    event = verify(receiver.secret, dict(self.headers.items()), body)
                except (Invalid, ValueError) as exc:
                    receiver.rejected.append(str(exc))
                    receiver._print(f"401 rejected: {exc}")
                    self.send_response(401)
                    self.end_headers()
                    return
                status = receiver.answer(event) if receiver.answer else 204
                receiver.events.append((self.headers["webhook-id"], event, time.time()))
                data = json.dumps(event.get("data"), ensure_ascii=False)
                receiver._print(f"{event.get('type')} {event.get('id')} {data}")
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/webhooks"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _print(self, line: str) -> None:
        if not self.quiet:
            print(line, flush=True)


def _receive(args: argparse.Namespace) -> int:
    receiver = Receiver(args.secret, args.port, args.host).start()
    print(f"listening on {receiver.url} (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0


def register(sub: Any) -> None:
    partner = sub.add_parser("partner", help="tools for partner developers")
    partner_sub = partner.add_subparsers(dest="partner_command", required=True)
    receive = partner_sub.add_parser("receive", help="a local webhook receiver that verifies signatures")
    receive.add_argument("--port", type=int, default=9000)
    receive.add_argument("--host", default="127.0.0.1")
    receive.add_argument("--secret", required=True, help="the endpoint's whsec_… secret")
    receive.set_defaults(handler=_receive)
