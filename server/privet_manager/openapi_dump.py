"""Write the app's OpenAPI schema to a file: `python -m privet_manager.openapi_dump PATH`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from privet_manager.main import create_app


def dump() -> str:
    return json.dumps(create_app().openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    text = dump()
    if target:
        target.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
