"""The contract text template: the operator's copy if present, else the packaged one."""

from __future__ import annotations

import threading
from pathlib import Path

from jinja2 import Environment, StrictUndefined, Template

from privet_manager.settings import get_settings

PACKAGED = Path(__file__).parent / "templates" / "contract.txt.j2"
TEMPLATE_NAME = "contract.txt.j2"

_env = Environment(
    autoescape=False,  # noqa: S701 - plain text, escaped by the renderer for reportlab
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_cache: dict[tuple[str, float], Template] = {}
_lock = threading.Lock()


def template_path() -> Path:
    """`$PRIVET_DATA_DIR/templates/contract.txt.j2` when an operator put one there."""
    override = get_settings().privet_data_dir / "templates" / TEMPLATE_NAME
    return override if override.is_file() else PACKAGED


def load_template() -> Template:
    """The compiled template, recompiled when the file changes (no restart needed)."""
    path = template_path()
    key = (str(path), path.stat().st_mtime)
    with _lock:
        template = _cache.get(key)
        if template is None:
            template = _env.from_string(path.read_text(encoding="utf-8"))
            _cache.clear()
            _cache[key] = template
    return template
