"""JSON logs with a request id; secrets and tokens never reach a log line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_STD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}
_SENSITIVE_KEYS = re.compile(
    r"(password|secret|token|authorization|cookie|otp|code_hash|series|passport_number|^code$)",
    re.I,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9\-_.]+", re.I)
_JWT = re.compile(r"eyJ[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+")


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _JWT.sub("[jwt]", _BEARER.sub(r"\1[redacted]", value))
    if isinstance(value, dict):
        return {
            k: ("[redacted]" if _SENSITIVE_KEYS.search(str(k)) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        rid = request_id_var.get()
        if rid:
            payload["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                payload[key] = "[redacted]" if _SENSITIVE_KEYS.search(key) else scrub(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access logs are written by our middleware, with the request id.
    logging.getLogger("uvicorn.access").disabled = True


security_log = logging.getLogger("privet_manager.security")
