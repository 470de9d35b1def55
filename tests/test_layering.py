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
