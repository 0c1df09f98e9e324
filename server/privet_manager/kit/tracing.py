"""OpenTelemetry traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is
set: then spans go to that OTLP/HTTP collector.

- **Requests**: FastAPI (≥ 0.160) traces requests itself once a tracer provider is set: one
  server span per request named by the route template (`GET /api/manager/clients/{client_id}`),
  with spans for its dependencies and the endpoint under it. No ASGI middleware of ours.
- **Database**: the psycopg instrumentation wraps every cursor of connections opened after
  `configure()`, so both pools (the SQLAlchemy sessions and the raw read connections) and the
  LISTEN connection give one span per statement. SQLAlchemy's own instrumentation would add a
  second span for each of the session's statements and miss the read pool.
- **Object store**: the minio SDK speaks through urllib3; its instrumentation gives one client
  span per S3 call. Calls made in a thread (`asyncio.to_thread`) keep the request's context.

The standard variables (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`,
`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`) are read by the SDK itself. While tracing is on, the
request id in the logs and in `X-Request-ID` is the trace id (kit/middleware.py), so a log line
leads to its trace.
"""

from __future__ import annotations

import os

from opentelemetry import trace

from privet_manager.settings import Settings

_provider: object | None = None


def requested(settings: Settings) -> bool:
    if settings.otel_exporter_otlp_endpoint:
        # From `.env` too (pydantic reads it; the SDK reads only the environment).
        os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", settings.otel_exporter_otlp_endpoint)
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def enabled() -> bool:
    return _provider is not None


def configure(settings: Settings) -> bool:
    """Set up the tracer provider, the exporter and the instrumentations, once per process,
    before the database engines open connections. False when tracing is not asked for."""
    global _provider
    if _provider is not None:
        return True
    if not requested(settings):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service = os.environ.get("OTEL_SERVICE_NAME") or "privet-manager"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # Statements only, never their parameters (passport numbers, codes' HMACs, e-mails).
    PsycopgInstrumentor().instrument(tracer_provider=provider, capture_parameters=False)
    URLLib3Instrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return True


def shutdown() -> None:
    """Send what is still buffered (at the end of the lifespan)."""
    if _provider is None:
        return
    from opentelemetry.sdk.trace import TracerProvider

    if isinstance(_provider, TracerProvider):
        _provider.force_flush(timeout_millis=5000)


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits, or None outside a recorded span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
