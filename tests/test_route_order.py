"""The order in which the routers are included (main.py puts the hottest first) decides
nothing: no route's path is also matched by another route with the same method."""

from __future__ import annotations

import re

from privet_manager.main import create_app
from privet_manager.settings import get_settings
from starlette.routing import compile_path


def _sample(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def test_no_two_routes_match_the_same_request() -> None:
    schema = create_app(get_settings()).openapi()
    routes = [
        (template, method, compile_path(template)[0])
        for template, operations in schema["paths"].items()
        for method in operations
    ]
    for template, method, _ in routes:
        path = _sample(template)
        matching = [t for t, m, regex in routes if m == method and regex.match(path)]
        assert matching == [template], (method, path, matching)
