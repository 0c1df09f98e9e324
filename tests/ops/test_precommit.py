"""The pre-commit hooks check with the same tools, at the same versions, as `make lint`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def hooks() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def locked(package: str) -> str:
    match = re.search(rf"^{package}==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    assert match, f"{package} is not pinned in requirements.lock"
    return match.group(1)


def test_ruff_hooks_use_the_locked_ruff_on_the_linted_folders() -> None:
    ruff = [hook for hook in hooks().values() if hook["entry"].startswith("ruff ")]
    assert {hook["entry"].split()[1] for hook in ruff} == {"check", "format"}
    for hook in ruff:
        assert hook["additional_dependencies"] == [f"ruff=={locked('ruff')}"], hook["id"]
        for folder in ("server", "tests", "bench", "scripts"):
            assert re.match(hook["files"], f"{folder}/x.py"), (hook["id"], folder)
        assert not re.match(hook["files"], "frontend-manager/x.py")


def test_spa_hooks_run_the_spa_scripts() -> None:
    scripts = json.loads((ROOT / "frontend-manager" / "package.json").read_text())["scripts"]
    spa = {hook["entry"].split()[-1]: hook for hook in hooks().values() if "npm" in hook["entry"]}
    assert set(spa) == {"lint", "typecheck"}
    assert scripts["typecheck"] == "tsc --noEmit"
    assert scripts["lint"].startswith("eslint ")
    for hook in spa.values():
        assert hook["language"] == "system"
        assert hook["pass_filenames"] is False
        assert re.match(hook["files"], "frontend-manager/src/routes/wizard/Step4Contract.tsx")
