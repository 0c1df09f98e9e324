"""Traces over real HTTP: an API process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP
collector inside this test. Each request is one trace, its database statements and S3 calls
are spans under the request's span, and the request id in the logs is the trace id."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.conftest import TEST_PASSWORD, Factory
from tests.live import live_server
from tests.s3 import SeaweedFS, s3_env


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    attributes: dict[str, str]
    service: str


class Collector:
    """OTLP/HTTP (protobuf) on 127.0.0.1: keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                for resource in request.resource_spans:
                    service = next(
                        (a.value.string_value for a in resource.resource.attributes
                         if a.key == "service.name"), "",
                    )  # fmt: skip
                    for scope in resource.scope_spans:
                        for s in scope.spans:
                            collector.spans.append(
                                Span(
                                    s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(),
                                    s.name, s.kind,
                                    {a.key: str(a.value.string_value or a.value.int_value)
                                     for a in s.attributes},
                                    service,
                                )
                            )  # fmt: skip
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def trace(self, trace_id: str, timeout: float = 30) -> list[Span]:
        """The spans of one trace, once its root (the request's span) has arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            spans = [s for s in self.spans if s.trace_id == trace_id]
            if any(not s.parent_id for s in spans):
                time.sleep(0.5)  # the batch with the root may be followed by stragglers
                return [s for s in self.spans if s.trace_id == trace_id]
            time.sleep(0.1)
        raise AssertionError(f"no root span for trace {trace_id}: {len(self.spans)} spans seen")


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.server.shutdown()


def ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span.parent_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


async def test_one_trace_per_request_with_the_database_and_s3_under_it(
    collector: Collector, seaweedfs: SeaweedFS, factory: Factory
) -> None:
    manager = await factory.manager()
    env = {
        **s3_env(seaweedfs, bucket=f"pm-trace-{uuid.uuid4().hex[:6]}"),
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_SERVICE_NAME": "privet-manager-test",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "LOG_LEVEL": "INFO",
    }
    with live_server(env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            login = await http.post(
                "/api/manager/auth/login",
                json={"email": manager.email, "password": TEST_PASSWORD},
                headers={"X-Request-ID": "from-the-proxy"},
            )
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            listing = await http.get("/api/manager/clients?tab=new&limit=5", headers=headers)
            assert listing.status_code == 200, listing.text
            ready = await http.get("/health/ready")
            assert ready.status_code == 200, ready.text
        responses = {"login": login, "list": listing, "ready": ready}
        ids = {name: r.headers["x-request-id"] for name, r in responses.items()}
        traces = {name: collector.trace(rid) for name, rid in ids.items()}
        log = server.log()

    # The request id is the trace id: 32 hex digits, one per request, not the proxy's.
    assert len(set(ids.values())) == 3
    assert all(len(rid) == 32 and int(rid, 16) for rid in ids.values()), ids

    roots = {name: [s for s in spans if not s.parent_id] for name, spans in traces.items()}
    assert {name: [s.name for s in r] for name, r in roots.items()} == {
        "login": ["POST /api/manager/auth/login"],
        "list": ["GET /api/manager/clients"],
        "ready": ["GET /health/ready"],
    }
    for name, spans in traces.items():
        assert {s.service for s in spans} == {"privet-manager-test"}
        by_id = {s.span_id: s for s in spans}
        root = roots[name][0]
        assert root.attributes.get("http.route") == root.name.split(" ", 1)[1]
        db = [s for s in spans if s.attributes.get("db.system.name", s.attributes.get(
            "db.system")) == "postgresql"]  # fmt: skip
        assert db, (name, [s.name for s in spans])
        for span in db:  # every statement under its request's span
            assert root in ancestors(span, by_id), (name, span.name)
        assert not any(TEST_PASSWORD in v for s in spans for v in s.attributes.values())

    # The session path (login, SQLAlchemy) and the read pool (the list, raw psycopg) alike.
    assert any("manager_users" in s.attributes.get("db.statement", s.attributes.get(
        "db.query.text", "")) for s in traces["login"])  # fmt: skip
    # The readiness check's S3 call went through urllib3, under the request.
    ready_spans = traces["ready"]
    by_id = {s.span_id: s for s in ready_spans}
    s3 = [s for s in ready_spans if s.kind == 3]  # SPAN_KIND_CLIENT: an outgoing HTTP call
    assert s3, [s.name for s in ready_spans]
    assert all(roots["ready"][0] in ancestors(s, by_id) for s in s3)

    # Every log line of those requests carries the trace id as its request id.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = {line["path"]: line["request_id"] for line in lines if line.get("msg") == "request"}
    assert access["/api/manager/auth/login"] == ids["login"]
    assert access["/health/ready"] == ids["ready"]
