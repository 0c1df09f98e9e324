"""Prometheus metrics: the request histogram, live gauges read at scrape time, and business
counters that count only what was committed.

Built on `prometheus-client` (the reference client): its default registry already carries the
process collector (`process_resident_memory_bytes`, `process_cpu_seconds_total`, open files)
and the Python GC collector. The request histogram is observed by `RequestContextMiddleware`,
which already times every request, so metrics add no middleware layer of their own.

Labels are bounded by construction: the route *template* (`/api/manager/clients/{client_id}`,
never the path with its ids), the method, the status code, and names written in the code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

# No `*_created` series beside every counter: a restart is visible in the counters themselves.
disable_created_metrics()

PREFIX = "privet_manager"
# Requests here take 1-50 ms; the default buckets start at 5 ms and would put most in one.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"

REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template and status "
    "(its _count is the request count)",
    ("method", "route", "status"),
    buckets=LATENCY_BUCKETS,
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# (method, route, status) → the histogram's child: `labels()` takes a lock and builds a key on
# every call, which would be a measurable share of a 0.6 ms request.
_children: dict[tuple[str, str, int], Any] = {}


def observe_request(scope: MutableMapping[str, Any], status: int, seconds: float) -> None:
    """Record one finished request. The route is the template FastAPI matched (it puts the
    route into the scope), so ids in the path never become label values."""
    template = _template(scope)
    method = scope.get("method") or ""
    if method not in _METHODS:  # a client may send any word as its method
        method = "OTHER"
    key = (method, template, status)
    child = _children.get(key)
    if child is None:
        child = _children[key] = REQUEST_SECONDS.labels(method, template, str(status))
    child.observe(seconds)


def _template(scope: MutableMapping[str, Any]) -> str:
    # FastAPI ≥ 0.160 keeps a router's routes under it and puts the route of the innermost
    # router into `scope["route"]` (its path lacks the prefixes it was included with); the
    # full template is on the effective route context it records beside it. Mounts and the
    # SPA's catch-all are plain Starlette routes with their full path. tests/kit/test_metrics.py
    # checks the outcome.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path", None)
    return template or UNMATCHED


# ---- business counters: counted when the transaction that did the work commits --------------

_PENDING = "privet_manager.metrics.pending"


def business_counter(name: str, documentation: str, labels: Iterable[str] = ()) -> Counter:
    """A counter of something the business does (`privet_manager_<name>_total`)."""
    return Counter(f"{PREFIX}_{name}", documentation, tuple(labels))


def count_on_commit(session: AsyncSession | Session, counter: Counter, *labels: str) -> None:
    """Increment `counter` when the session's transaction commits, not before.

    A service decides in the middle of a transaction that may still roll back (a later step
    fails, the commit itself fails): a counter incremented there would count a contract that
    was never generated. The increment waits in the session's `info` and is applied by the
    `after_commit` hook below, or dropped by `after_rollback`. A refusal that keeps its writes
    (a counted wrong code, the lock at the fifth) commits, so it is counted."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_PENDING, []).append(counter.labels(*labels) if labels else counter)


@event.listens_for(Session, "after_commit")
def _apply_pending(session: Session) -> None:
    for counter in session.info.pop(_PENDING, ()):
        counter.inc()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ---- live gauges, read when Prometheus scrapes ------------------------------------------------

Sample = tuple[tuple[str, ...], float]


class _LiveGauges(Collector):
    """Gauges whose value is asked for at scrape time (the pool's connections, open streams):
    nothing is updated on the request path."""

    def __init__(self) -> None:
        self._gauges: dict[str, tuple[str, tuple[str, ...], Callable[[], Iterable[Sample]]]] = {}

    def add(
        self,
        name: str,
        documentation: str,
        labels: tuple[str, ...],
        read: Callable[[], Iterable[Sample]],
    ) -> None:
        self._gauges[f"{PREFIX}_{name}"] = (documentation, labels, read)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, (documentation, labels, read) in self._gauges.items():
            family = GaugeMetricFamily(name, documentation, labels=labels)
            for values, value in read():
                family.add_metric(values, value)
            yield family


_live = _LiveGauges()
REGISTRY.register(_live)


def live_gauge(
    name: str,
    documentation: str,
    read: Callable[[], Iterable[Sample]],
    labels: tuple[str, ...] = (),
) -> None:
    """A gauge computed by `read()` at every scrape: pairs of label values and the value."""
    _live.add(name, documentation, labels, read)


def _pools() -> Iterable[Sample]:
    from privet_manager.kit.db import pool_state

    for pool, states in pool_state().items():
        for state, value in states.items():
            yield (pool, state), float(value)


live_gauge(
    "db_pool_connections",
    "Database connections of this process by pool (main: the request sessions; read: the "
    "lists and the card) and state (in_use, idle, waiting: requests waiting for one)",
    _pools,
    ("pool", "state"),
)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type.

    One process: the default registry (everything above, the process and GC collectors). With
    `PROMETHEUS_MULTIPROC_DIR` set (uvicorn `--workers N`), prometheus-client keeps counters
    and histograms in files there, and they are summed over the workers; the live gauges are
    then those of the worker that answers the scrape (docs/OPERATIONS.md)."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import CollectorRegistry, multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_live)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
