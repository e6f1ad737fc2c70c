"""Webhooks never reach internal addresses: judged when saved, judged and pinned when sent.

The pure check (``pipeline.egress``) is driven with the system's resolver for
``localhost`` and literal addresses, and with a small table resolver where a
name must answer something the test chooses (a public address, or two
addresses); that is its public ``resolve`` parameter, not a stand-in for a part
of the service. The API's refusal runs on a live ``sohoa serve``; the
delivery-time refusal on a live ``sohoa worker``, with a real listening socket
on 127.0.0.1 that must receive no connection.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from core.settings import Settings
from pipeline import egress
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import AuditEvent
from testkit import pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings
from testkit.pipeline_harness import Worker, engine_shim, run_cli, wait_for

UNIT = "000.00.00.H26"
NO_ALLOW = egress.AllowList.parse("")
PUBLIC_V4 = ipaddress.ip_address("8.8.8.8")
"""A public address, only ever judged, never contacted."""
TEST_NAME = "receiver.sohoa.test"
"""A name no DNS answers (RFC 6761 reserves .test); only a table resolver knows it."""


def table(answers: dict[str, list[str]]) -> egress.Resolver:
    def resolve(host: str, port: int) -> list[egress.IPAddress]:
        if host not in answers:
            raise egress.HostUnresolvable(host)
        return [ipaddress.ip_address(a) for a in answers[host]]

    return resolve


# ------------------------------------------------------------------ the check itself

INTERNAL_URLS = [
    "http://127.0.0.1:6379/",  # the broker
    "http://localhost:8000/api/v1/keys",  # the API's own admin route, resolved by the system
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://0x7f.0.0.1/",
    "http://[::1]:8000/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # shared address space
    "http://0.0.0.0:8000/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://[fc00::1]/",
    "http://[fec0::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",  # IPv4-mapped metadata address
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[fe80::1%25eth0]/",  # zone index
    "http://user:secret@8.8.8.8/",  # user info
    "http://8.8.8.8@127.0.0.1/",
    "http://8.8.8.8\\@127.0.0.1/",  # read as "/" by WHATWG parsers
    "ftp://8.8.8.8/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "http://8.8.8.8:0/",
    "http://8.8.8.8:99999/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_urls_are_refused(url: str) -> None:
    with pytest.raises(egress.EgressRefused) as refused:
        egress.check_url(url, NO_ALLOW)
    assert refused.value.code == "callback_url_not_allowed" and refused.value.reason


def test_localhost_is_judged_by_what_it_resolves_to() -> None:
    """``localhost`` is refused for its address (the system's answer), not for its name."""
    addresses = egress.system_resolver("localhost", 80)
    assert addresses and all(a.is_loopback for a in addresses)
    with pytest.raises(egress.EgressRefused, match=r"localhost → 127\.0\.0\.1 is a loopback"):
        egress.check_url("http://LocalHost.:8000/api/v1/keys", NO_ALLOW)


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8/hook?x=1",
        "https://[2001:4860:4860::8888]:8443/hook",
        "http://[2002:808:808::1]/",  # 6to4 of a public address
        "http://[64:ff9b::808:808]/",  # NAT64 of a public address
    ],
)
def test_public_addresses_pass(url: str) -> None:
    target = egress.check_url(url, NO_ALLOW)
    assert len(target.addresses) == 1 and egress.address_refusal(target.addresses[0]) is None


def test_a_public_name_passes_with_its_address_and_path() -> None:
    resolve = table({"motcua.example.vn": ["8.8.8.8", "2001:4860:4860::8888"]})
    target = egress.check_url("https://MotCua.Example.VN/hook?a=b#frag", NO_ALLOW, resolve)
    assert (target.host, target.port, target.path) == ("motcua.example.vn", 443, "/hook?a=b")
    assert target.host_header == "motcua.example.vn"
    assert target.url_at(target.addresses[1]) == "https://[2001:4860:4860::8888]:443/hook?a=b"


def test_every_address_of_a_name_is_judged() -> None:
    """One internal answer among public ones is enough: the client might try it."""
    resolve = table({"motcua.example.vn": ["8.8.8.8", "10.0.0.7"]})
    with pytest.raises(egress.EgressRefused, match=r"10\.0\.0\.7 is a private address"):
        egress.check_url("https://motcua.example.vn/hook", NO_ALLOW, resolve)


def test_a_name_that_now_answers_an_internal_address_is_refused() -> None:
    """Rebinding: public when the dossier was saved, loopback at delivery."""
    answers = {TEST_NAME: ["8.8.8.8"]}
    resolve = table(answers)
    assert egress.check_url(f"http://{TEST_NAME}/hook", NO_ALLOW, resolve).addresses == (PUBLIC_V4,)
    answers[TEST_NAME] = ["127.0.0.1"]
    with pytest.raises(egress.EgressRefused, match="is a loopback address"):
        egress.check_url(f"http://{TEST_NAME}/hook", NO_ALLOW, resolve)


def test_a_name_without_address_is_unresolvable() -> None:
    with pytest.raises(egress.HostUnresolvable):
        egress.check_url(f"http://{TEST_NAME}/hook", NO_ALLOW)  # the system's resolver


# ------------------------------------------------------------------ the allow-list


def test_allow_list_lets_only_the_named_receiver_through() -> None:
    allow = egress.AllowList.parse(" 127.0.0.1:8081 , 10.20.0.0/16, [::1]:9000, hook.ubnd.local ")
    assert egress.check_url("http://127.0.0.1:8081/hook", allow).port == 8081
    assert egress.check_url("http://10.20.3.4/hook", allow)
    assert egress.check_url("http://[::1]:9000/hook", allow)
    resolve = table({"hook.ubnd.local": ["192.168.5.5"]})
    assert egress.check_url("https://hook.ubnd.local/x", allow, resolve).addresses
    for url in (
        "http://127.0.0.1:6379/",  # the same machine, another port: still refused
        "http://10.21.0.1/",
        "http://[::1]:9001/",
        "http://0x7f000001:8081/",  # an odd spelling of an allowed address
    ):
        with pytest.raises(egress.EgressRefused):
            egress.check_url(url, allow)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "host:port", "[::1", "a b", "x:0"])
def test_a_malformed_allow_list_stops_the_settings(entry: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="webhook allow-list entry"):
        Settings(_env_file=None, data_dir=tmp_path, webhook_allow=f"10.0.0.1,{entry}")


# ------------------------------------------------------------------ sending, pinned


class Receiver:
    """An HTTP endpoint on 127.0.0.1 recording what arrives; answers ``status``."""

    def __init__(self, status: int = 204, location: str = "", tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_delivery_goes_to_the_checked_address_with_the_name_as_host(receiver: Receiver) -> None:
    """The name is resolved once, by the check; the connection uses that answer.

    The system cannot resolve ``receiver.sohoa.test``: the request arrives only
    because the client connected to the checked address instead of looking
    the name up again.
    """
    with pytest.raises(egress.HostUnresolvable):
        egress.system_resolver(TEST_NAME, receiver.port)
    allow = egress.AllowList.parse(f"127.0.0.1:{receiver.port}")
    resolve = table({TEST_NAME: ["127.0.0.1"]})
    target = egress.check_url(f"http://{TEST_NAME}:{receiver.port}/hook?n=1", allow, resolve)
    response = egress.post(target, b'{"a": 1}', {"Content-Type": "application/json"}, 5)
    assert response.status_code == 204
    [(path, headers, body)] = receiver.requests
    assert (path, body) == ("/hook?n=1", b'{"a": 1}')
    assert headers["Host"] == f"{TEST_NAME}:{receiver.port}"


def test_a_redirect_is_not_followed() -> None:
    inner = Receiver()
    outer = Receiver(status=307, location=f"http://127.0.0.1:{inner.port}/internal")
    try:
        allow = egress.AllowList.parse(f"127.0.0.1:{outer.port}")
        target = egress.check_url(f"http://127.0.0.1:{outer.port}/hook", allow)
        assert egress.post(target, b"{}", {}, 5).status_code == 307
        assert len(outer.requests) == 1 and inner.requests == []
    finally:
        inner.close()
        outer.close()


def test_https_is_verified_against_the_name_while_connecting_to_the_address(
    tmp_path: Path,
) -> None:
    """TLS gets the name (SNI and certificate check), the socket gets the checked address."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={TEST_NAME}", "-addext", f"subjectAltName=DNS:{TEST_NAME}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    server_tls.sni_callback = lambda _sock, name, _ctx: seen_sni.append(name)
    receiver = Receiver(tls=server_tls)
    try:
        trust = ssl.create_default_context(cafile=str(cert))
        allow = egress.AllowList.parse(f"127.0.0.1:{receiver.port}")
        url = f"https://{TEST_NAME}:{receiver.port}/hook"
        target = egress.check_url(url, allow, table({TEST_NAME: ["127.0.0.1"]}))
        assert egress.post(target, b"{}", {}, 5, verify=trust).status_code == 204
        assert seen_sni == [TEST_NAME] and len(receiver.requests) == 1
        # The same address under another name: the certificate does not match, nothing sent.
        other = egress.check_url(
            f"https://other.sohoa.test:{receiver.port}/hook",
            allow,
            table({"other.sohoa.test": ["127.0.0.1"]}),
        )
        with pytest.raises(Exception, match="certificate"):
            egress.post(other, b"{}", {}, 5, verify=trust)
        assert len(receiver.requests) == 1
    finally:
        receiver.close()


# ------------------------------------------------------------------ live API and worker


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    """A socket on 127.0.0.1 that accepts nothing itself: a connection would wait in its
    backlog, where a non-blocking ``accept`` finds it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, listener: socket.socket) -> dict:
    """The API allows the listener as an on-premises receiver: what an admin would set."""
    port = listener.getsockname()[1]
    return embedded_settings(
        tmp_path_factory.mktemp("egress"), SOHOA_WEBHOOK_ALLOW=f"127.0.0.1:{port}"
    )


@pytest.fixture(scope="module")
def server(settings: dict) -> Iterator[ApiServer]:
    api = ApiServer(settings, Path(settings["SOHOA_DATA_DIR"]) / "serve.log").start()
    yield api
    api.stop()


def runtime_of(settings: dict) -> Runtime:
    return Runtime.from_settings(Settings(_env_file=None, data_dir=settings["SOHOA_DATA_DIR"]))


def audit_actions(settings: dict, action: str) -> list[AuditEvent]:
    with runtime_of(settings).session() as s:
        rows = list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        s.expunge_all()
        return rows


def test_api_refuses_internal_callback_urls_and_stores_nothing(
    server: ApiServer, settings: dict, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    clerk = server.client(server.create_key("clerk", UNIT))
    refused = [
        f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/hook",
        "http://127.0.0.1:6379/",
        f"http://localhost:{server.port}/api/v1/keys",
        f"{server.base_url}/api/v1/keys",
        f"http://0x7f000001:{port}/hook",  # the allowed receiver, spelled oddly
        f"http://2130706433:{port}/hook",
        f"http://0177.0.0.1:{port}/hook",
        f"http://127.1:{port}/hook",
        f"http://[::1]:{port}/hook",
        f"http://[::ffff:127.0.0.1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0:6379/",
        f"http://user:pw@127.0.0.1:{port}/hook",
    ]
    for n, url in enumerate(refused):
        code = f"000.A0.01.H26-261122-{n:04d}"
        answer = clerk.put(f"/api/v1/dossiers/{code}", json={"unit": UNIT, "callback_url": url})
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"]["code"] == "callback_url_not_allowed", url
        assert clerk.get(f"/api/v1/dossiers/{code}").status_code == 404, f"{url}: stored"

    # The admin's allow-list lets the on-premises receiver through, and only it.
    allowed = f"http://127.0.0.1:{port}/hook"
    code = "000.A0.01.H26-261122-1000"
    answer = clerk.put(f"/api/v1/dossiers/{code}", json={"unit": UNIT, "callback_url": allowed})
    assert answer.status_code == 201, answer.text
    # An existing dossier keeps its URL when a refused one is sent.
    again = clerk.put(f"/api/v1/dossiers/{code}", json={"callback_url": "http://127.0.0.1:6379/"})
    assert again.json()["error"]["code"] == "callback_url_not_allowed"
    assert clerk.get(f"/api/v1/dossiers/{code}").json()["callback_url"] == allowed

    audited = audit_actions(settings, "dossier.callback_refused")
    assert len(audited) == len(refused) + 1
    assert {e.detail["callback_url"] for e in audited} == {*refused, "http://127.0.0.1:6379/"}


def test_worker_does_not_contact_an_address_refused_at_delivery(
    server: ApiServer, settings: dict, listener: socket.socket, tmp_path: Path
) -> None:
    """Two callbacks to the listener that the worker must refuse when it sends:

    - one the API accepted, under an allow-list the worker no longer has (the
      check is repeated at delivery, not trusted from the save);
    - ``localhost``, stored before checks existed: the worker resolves it
      (the system's resolver) and refuses the loopback answer.
    """
    port = listener.getsockname()[1]
    clerk = server.client(server.create_key("clerk", UNIT))
    saved, legacy = "000.A0.01.H26-261122-2000", "000.A0.01.H26-261122-2001"
    answer = clerk.put(
        f"/api/v1/dossiers/{saved}",
        json={"unit": UNIT, "callback_url": f"http://127.0.0.1:{port}/hook"},
    )
    assert answer.status_code == 201, answer.text
    with runtime_of(settings).session() as s:
        repo.upsert_dossier(s, UNIT, legacy, callback_url=f"http://localhost:{port}/hook")

    env = clean_env(settings)
    source = pagegen.save_pdf([pagegen.render_page(900, n_lines=4).image], tmp_path / "a.pdf", 150)
    documents = []
    for dossier in (saved, legacy):
        done = run_cli(env, "ingest", source, "--dossier", dossier, "--unit", UNIT)
        assert done.returncode == 0, done.stderr
        documents.append(done.stdout.split("\t")[0])

    worker_env = {k: v for k, v in env.items() if k != "SOHOA_WEBHOOK_ALLOW"}
    # the engine crashes at once: the page fails and the event comes without OCR time
    worker_env.update(engine_shim(tmp_path / "engine", "crash"))
    worker = Worker(worker_env, tmp_path / "worker.log").start()
    try:
        wait_for(
            lambda: (
                {e.object_id for e in audit_actions(settings, "webhook.refused")} >= set(documents)
            ),
            120,
            "both deliveries refused by the worker",
        )
    finally:
        worker.stop()
    assert connections(listener) == 0, "the worker connected to a refused address"
    reasons = {e.object_id: e.detail["reason"] for e in audit_actions(settings, "webhook.refused")}
    assert "127.0.0.1 is a loopback address" in reasons[documents[0]]
    assert "localhost → 127.0.0.1 is a loopback address" in reasons[documents[1]]
    assert audit_actions(settings, "webhook.delivered") == []
    assert "not sent" in (tmp_path / "worker.log").read_text(encoding="utf-8", errors="replace")
