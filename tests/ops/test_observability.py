"""The alert rules and the Grafana dashboard under deploy/: well formed, and every metric they
name is one the app exposes (a renamed metric would leave an alert that never fires)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.kit.test_metrics import local, scrape

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "privet-manager.json"
METRIC = re.compile(r"\b((?:privet_manager|process)_[a-z_]+)\b")

__all__ = ["local"]  # the fixture, used by name below


def alert_rules() -> list[dict[str, object]]:
    doc = yaml.safe_load(ALERTS.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    doc = json.loads(DASHBOARD.read_text())
    return [t["expr"] for panel in doc["panels"] for t in panel["targets"]]


def test_the_alerts_cover_what_operators_asked_for() -> None:
    rules = alert_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    exprs = " ".join(str(r["expr"]) for r in rules)
    assert "histogram_quantile(0.95" in exprs  # p95 latency
    assert 'status=~"5.."' in exprs  # 5xx rate
    assert "privet_manager_contracts_locked_total" in exprs  # OTP lockout burst
    assert "privet_manager_ready" in exprs  # readiness
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule  # type: ignore[index]
        assert rule["annotations"]["summary"], rule  # type: ignore[index]


async def test_every_metric_named_is_exposed(local) -> None:
    r = await local.get("/api/manager/clients")  # at least one request in the histogram
    assert r.status_code == 401
    exposed = {name for name, _ in await scrape(local)}
    named = {m for e in [*dashboard_exprs(), *(str(r["expr"]) for r in alert_rules())]
             for m in METRIC.findall(e)}  # fmt: skip
    assert "privet_manager_http_request_duration_seconds_bucket" in named
    assert named - exposed == set()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool: `make promtool`")
def test_promtool_accepts_the_rules_and_they_fire() -> None:
    for args in (["check", "rules", ALERTS.name], ["test", "rules", "alerts.test.yml"]):
        done = subprocess.run(
            ["promtool", *args], cwd=ALERTS.parent, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
