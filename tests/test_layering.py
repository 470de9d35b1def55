"""The layering is enforced: dedup and storage are leaves, the CLI composes."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = (
    "wirewatch",
    "scheduler",
    "fleet",
    "crawler",
    "digest",
    "pages",
    "watches",
    "storage",
    "dedup",
    "claims",
    "newsroom",
)
# What each package may import of ours. Lower layers never import upper ones.
ALLOWED = {
    "dedup": set(),
    "claims": set(),
    "storage": set(),
    "newsroom": set(),
    "watches": {"storage"},  # storage.urls: the one canonical form of a URL
    "pages": {"claims"},  # an article's claims are found with its analysis
    "crawler": {"pages", "watches", "storage", "dedup", "claims"},
    "fleet": {"crawler", "watches", "storage", "dedup", "claims"},
    "digest": {"storage", "claims"},
    "scheduler": {"fleet", "crawler", "pages", "watches", "digest", "storage", "dedup", "claims"},
    "wirewatch": set(PACKAGES),
}
_IMPURE = {"scrapy", "sqlalchemy", "twisted", "requests", "urllib"}
# scale-out lives in fleet/, plugged into the crawler by settings
FORBIDDEN_THIRD_PARTY = {"dedup": _IMPURE, "claims": _IMPURE,
                         "watches": _IMPURE - {"urllib"},  # urllib.parse, for hosts
                         "pages": _IMPURE - {"urllib"},  # urllib.parse, for links
                         "crawler": {"redis", "scrapy_redis"}}  # fmt: skip


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_lower_layers(package: str) -> None:
    for path in sorted((REPO / package).rglob("*.py")):
        imported = _imports(path)
        ours = (imported & set(PACKAGES)) - {package}
        assert ours <= ALLOWED[package], (
            f"{path.relative_to(REPO)} imports {ours - ALLOWED[package]}"
        )
        banned = imported & FORBIDDEN_THIRD_PARTY.get(package, set())
        assert not banned, f"{path.relative_to(REPO)} imports {banned}"


def test_import_linter_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run(
        [lint_imports, "--config", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# A process opens its Store once and passes it down; a database URL string goes no
# lower than the command line. These take one because a process starts there: the
# crawl process is spawned with the URL (a Store cannot cross into it), and Scrapy's
# own command starts a crawl from its settings.
PROCESS_ENTRIES = {
    ("crawler/runner.py", "_crawl_in_child"),
    ("crawler/runner.py", "_leave_nothing_behind"),  # the crawl process, orphaned
}
_URL_PARAMETERS = {"db_url", "database_url", "store_url"}


def test_no_function_below_the_command_line_takes_a_database_url() -> None:
    found = []
    for package in sorted(set(PACKAGES) - {"wirewatch", "storage"}):  # storage opens it
        for path in sorted((REPO / package).rglob("*.py")):
            where = str(path.relative_to(REPO))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                names = {a.arg for a in (*node.args.args, *node.args.kwonlyargs)}
                if names & _URL_PARAMETERS and (where, node.name) not in PROCESS_ENTRIES:
                    found.append(f"{where}: {node.name}({', '.join(names & _URL_PARAMETERS)})")
    assert found == [], "pass a Store instead of a database URL:\n" + "\n".join(found)
