"""Responses whose body is already encoded."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse, Response


class JSONBytes(JSONResponse):
    """JSON the route wrote itself (built by PostgreSQL, or by a model's own serializer): sent
    as it is, with no second encoding. A JSONResponse, so that `response_model` describes the
    body in the schema."""

    def render(self, content: Any) -> bytes:
        if not isinstance(content, bytes | str):
            raise TypeError("JSONBytes takes encoded JSON")
        return content.encode() if isinstance(content, str) else content


def private_file(data: bytes, media_type: str, filename: str, *, attachment: bool) -> Response:
    """A file for the one who asked: never cached on the way, opened in the browser
    (`attachment=False`) or downloaded under `filename`."""
    disposition = "attachment" if attachment else "inline"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
