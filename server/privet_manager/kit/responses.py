"""Responses whose body is already encoded."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class JSONBytes(JSONResponse):
    """JSON the route wrote itself (built by PostgreSQL, or by a model's own serializer): sent
    as it is, with no second encoding. A JSONResponse, so that `response_model` describes the
    body in the schema."""

    def render(self, content: Any) -> bytes:
        if not isinstance(content, bytes | str):
            raise TypeError("JSONBytes takes encoded JSON")
        return content.encode() if isinstance(content, str) else content
