"""`make mutation`: mutmut over the modules where a silent bug costs most, each with the tests
that cover it; a report under test-output/mutation/.

mutmut 3 mutates a copy of the sources and imports it by the path it mutated, so each module
runs in a work folder of its own where the package sits at the top (`privet_manager/`, as
the tests import it) beside copies of the tests, the docs, bench/ and the migrations. The tests use
the machine's PostgreSQL when it answers (as `make test` does for its second run), else the
embedded one; one run folder per module, removed at the end.

Modules named on the command line are added to the report of earlier runs (a run per module
fits a working session better than the whole set at once).

Survivors listed in tests/mutation_equivalents.txt (`mutant name | reason`) are counted as
equivalent; any other survivor is shown with its diff and makes the command fail.

    .venv/bin/python scripts/mutation.py                # every module
    .venv/bin/python scripts/mutation.py contracts/otp.py activity/service.py
    .venv/bin/python scripts/mutation.py --again activity/service.py   # survivors, new tests
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-output" / "mutation"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.txt"
BIN = Path(sys.executable).parent
SYSTEM_PG = os.environ.get("SYSTEM_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

# Each module and the tests that cover it (mutmut runs, for each mutant, those of them that
# reach the mutated function).
MODULES: dict[str, list[str]] = {
    "contracts/otp.py": [
        "tests/contracts/test_otp.py",
        "tests/contracts/test_otp_rules.py",
    ],
    "contracts/evidence.py": [
        "tests/contracts/test_security_doc.py",
        "tests/contracts/test_evidence.py",
        "tests/contracts/test_verify.py",
    ],
    "contracts/verify.py": [
        "tests/contracts/test_evidence.py",
        "tests/contracts/test_verify.py",
    ],
    "signing/confirm.py": [
        "tests/contracts/test_otp.py",
        "tests/contracts/test_otp_rules.py",
        "tests/contracts/test_evidence.py",
        "tests/contracts/test_verify.py",
    ],
    "activity/service.py": [
        "tests/activity",
        "tests/contracts/test_security_doc.py",
        "tests/contracts/test_evidence.py",
    ],
    "kit/security.py": [
        "tests/kit/test_security_helpers.py",
        "tests/auth",
        "tests/contracts/test_security_doc.py",
        "tests/contracts/test_otp_rules.py",
    ],
    "auth/service.py": ["tests/auth"],
    "clients/deps.py": ["tests/clients/test_ownership.py"],
}


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", "_")


def equivalents() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", SKIP)):
            name, _, reason = line.partition("|")
            found[name.strip()] = reason.strip()
    return found


# Lines of a module left unmutated (mutmut's do_not_mutate_patterns), each provably not
# behaviour (a log message's text), listed in the equivalents file with the reason:
# `do_not_mutate <module> <regex> | why`.
SKIP = "do_not_mutate "


def skipped_lines(module: str) -> list[str]:
    patterns = []
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        if line.startswith(SKIP):
            named, pattern = line.removeprefix(SKIP).partition("|")[0].strip().split(" ", 1)
            if named == module:
                patterns.append(pattern)
    return patterns


def system_pg() -> str | None:
    try:
        psycopg.connect(SYSTEM_PG, connect_timeout=2).close()
    except psycopg.Error:
        return None
    return SYSTEM_PG


def work_folder(module: str) -> Path:
    """The package at the top, the tests, docs and migrations beside it, and a pyproject
    with the project's pytest settings and this module's mutmut settings."""
    work = OUT / slug(module)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "server" / "privet_manager", work / "privet_manager", ignore=skip)
    shutil.copytree(ROOT / "server" / "migrations", work / "server" / "migrations", ignore=skip)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=skip)
    shutil.copytree(ROOT / "docs", work / "docs")
    shutil.copytree(ROOT / "bench", work / "bench", ignore=skip)  # tests/s3.py uses its helpers
    shutil.copy2(ROOT / "alembic.ini", work / "alembic.ini")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pytest_section = pyproject[pyproject.index("[tool.pytest.ini_options]") :]
    config = {
        "source_paths": ["privet_manager"],
        "only_mutate": [f"privet_manager/{module}"],
        "also_copy": ["docs", "server", "bench", "alembic.ini"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q", "-x", "--timeout=180"],
        "pytest_add_cli_args_test_selection": MODULES[module],
        "do_not_mutate_patterns": skipped_lines(module),
        "debug": os.environ.get("MUTMUT_DEBUG") == "1",
    }
    lines = ["[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in config.items()]
    (work / "pyproject.toml").write_text(
        pytest_section + "\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return work


def mutmut_statuses(work: Path, env: dict[str, str]) -> dict[str, str]:
    listed = subprocess.run(
        [str(BIN / "mutmut"), "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    statuses = {}
    for line in listed.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            statuses[name] = status
    return statuses


def run_module(module: str, pg: str | None, *, again: bool = False) -> dict[str, object]:
    """mutmut over the module in a new work folder; `again`: in the folder an earlier run
    kept, with the tests as they are now, only that run's survivors not listed as equivalent
    (mutmut maps the new tests to functions first, then re-runs each survivor)."""
    work = OUT / slug(module) if again else work_folder(module)
    run_dir = work / f"pm-tests-mut{slug(module).replace('_', '')}"
    # The login tests' own accounts at bcrypt's lowest cost (tests/auth/conftest.py): each
    # mutant reruns them, at cost 12 a module took hours on a busy machine.
    env = {
        **os.environ,
        "PM_TEST_RUN_DIR": str(run_dir),
        "PM_TEST_RUN_DIR_KEPT": "1",
        "PM_TEST_QUICK_BCRYPT": "1",
    }
    if pg:
        env["PM_TEST_PG_URL"] = pg
    names: list[str] = []
    if again:
        if not (work / "mutants").is_dir():
            raise SystemExit(f"no kept run of {module} under {work}: run it first")
        # The tests as they are now, or as of MUTATION_TESTS_FROM (a git revision) when the
        # sources have moved on since the kept run copied them (tests of newer code would
        # not even import against the mutated copy).
        revision = os.environ.get("MUTATION_TESTS_FROM")
        for tests in (work / "tests", work / "mutants" / "tests"):
            if revision:
                archive = subprocess.run(
                    ["git", "archive", revision, "tests"], cwd=ROOT, capture_output=True, check=True
                ).stdout
                subprocess.run(["tar", "-x", "-C", str(tests.parent)], input=archive, check=True)
            else:
                skip = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(ROOT / "tests", tests, ignore=skip, dirs_exist_ok=True)
        for ready in run_dir.glob("*.ready"):  # the template was dropped at the end
            ready.unlink()
        known = equivalents()
        names = [
            n
            for n, s in mutmut_statuses(work, env).items()
            if s in ("survived", "no tests") and n not in known
        ]
    else:
        run_dir.mkdir()
    started = time.monotonic()
    log = (OUT / f"{slug(module)}{'.again' if again else ''}.log").open("w")
    children = os.environ.get("MUTMUT_CHILDREN", "2")
    run = subprocess.run(
        [str(BIN / "mutmut"), "run", "--max-children", children, *names],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    seconds = round(time.monotonic() - started)
    statuses = mutmut_statuses(work, env)
    if pg:  # nothing left on a shared server: the run's template database
        template = f"pm_template_{run_dir.name.removeprefix('pm-tests-').lower()}"
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    diffs = {}
    for name, status in statuses.items():
        if status not in ("killed", "not checked"):  # not checked: a run stopped part-way
            diffs[name] = subprocess.run(
                [str(BIN / "mutmut"), "show", name], cwd=work, capture_output=True, text=True
            ).stdout
    # Kept when mutmut failed (its log is beside it) or a mutant outlived the tests: the
    # survivors can then be run again against new tests (`--again`).
    if run.returncode == 0 and not diffs:
        shutil.rmtree(work, ignore_errors=True)
    result: dict[str, object] = {"exit": run.returncode, "seconds": seconds}
    if again:
        result = {"again_seconds": seconds, "again": len(names), "exit": run.returncode}
    return {**result, "statuses": statuses, "diffs": diffs}


def report(results: dict[str, dict[str, object]]) -> bool:
    known = equivalents()
    rows, details, ok = [], [], True
    everything = 0
    equivalent_total = 0
    for module, result in results.items():
        statuses: dict[str, str] = result["statuses"]  # type: ignore[assignment]
        diffs: dict[str, str] = result["diffs"]  # type: ignore[assignment]
        dead = ("killed", "timeout")
        killed = sum(s in dead for s in statuses.values())
        unchecked = sum(s == "not checked" for s in statuses.values())  # a run stopped
        equivalent = [n for n, s in statuses.items() if s not in dead and n in known]
        other = [
            n
            for n, s in statuses.items()
            if s not in dead and s != "not checked" and n not in known
        ]
        everything += len(statuses)
        equivalent_total += len(equivalent)
        ok = ok and not other and not unchecked and result["exit"] == 0 and bool(statuses)
        rows.append(
            f"| {module} | {len(statuses)} | {killed} | {len(other)} | {len(equivalent)} "
            f"| {unchecked} | {result['seconds']} s |"
        )
        for name in other:
            details.append(f"### {name}: {statuses[name]}\n\n```diff\n{diffs.get(name, '')}\n```\n")
    share = equivalent_total / everything if everything else 0.0
    text = "\n".join(
        [
            "# Mutation testing (mutmut)",
            "",
            "| module | mutants | killed | survived (not equivalent) | equivalent | not run "
            "| time |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Equivalent: {equivalent_total} of {everything} ({share:.1%}); "
            "the reasons are in tests/mutation_equivalents.txt.",
            "",
            *(["## Survivors", "", *details] if details else ["Every other mutant was killed."]),
        ]
    )
    (OUT / "report.md").write_text(text + "\n", encoding="utf-8")
    (OUT / "report.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(text)
    return ok and share <= 0.10


def main(argv: list[str]) -> int:
    again = argv[:1] == ["--again"]
    argv = argv[1:] if again else argv
    modules = argv or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        print(f"unknown modules: {unknown}; known: {list(MODULES)}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    pg = system_pg()
    ran: dict[str, dict[str, object]] = {}
    for module in modules:
        print(f"== mutmut: {module} ({', '.join(MODULES[module])})", flush=True)
        ran[module] = run_module(module, pg, again=again)
    # Modules run one at a time add up in one report, read when this run ends (another run
    # of other modules may have finished meanwhile); a run `--again` keeps the first run's
    # time.
    previous = OUT / "report.json"
    results = json.loads(previous.read_text()) if previous.exists() and argv else {}
    for module, result in ran.items():
        results[module] = {**results.get(module, {"seconds": "?"}), **result}
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
