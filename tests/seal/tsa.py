"""RFC 3161 timestamp authorities for the tests, served over HTTP on 127.0.0.1: one that
answers (pyHanko's DummyTimeStamper with a TSA certificate of its own CA), one that accepts
connections and never answers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from privet_manager.seal.keys import issue
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore


@dataclass(frozen=True)
class Tsa:
    url: str
    root_pem: bytes
    requests: list[int]


def _der(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def tsa_certificates() -> tuple[x509.Certificate, x509.Certificate, rsa.RSAPrivateKey]:
    """A test CA and a TSA certificate under it (timeStamping, critical; RSA: pyHanko's
    DummyTimeStamper signs with nothing else)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
    ca = issue(
        ca_name,
        ca_key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        validity=timedelta(days=30),
        extensions=[(x509.BasicConstraints(ca=True, path_length=0), True)],
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = issue(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]),
        key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        validity=timedelta(days=30),
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ],
    )
    return ca, cert, key


@contextmanager
def running_tsa() -> Iterator[Tsa]:
    ca, cert, key = tsa_certificates()
    stamper = DummyTimeStamper(
        tsa_cert=_der(cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=SimpleCertificateStore.from_certs([_der(ca)]),
    )
    seen: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            req = tsp.TimeStampReq.load(body)
            answer = asyncio.run(stamper.async_request_tsa_response(req)).dump()
            seen.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Tsa(
            url=f"http://127.0.0.1:{server.server_address[1]}/tsa",
            root_pem=ca.public_bytes(serialization.Encoding.PEM),
            requests=seen,
        )
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_tsa() -> Iterator[str]:
    """A TSA URL whose server accepts the connection and never says a word."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/tsa"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


def write_root(tsa: Tsa, folder: Path) -> Path:
    path = folder / "tsa-root.pem"
    path.write_bytes(tsa.root_pem)
    return path
