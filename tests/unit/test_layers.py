"""The package map holds: imports point down the layers, and every package ships.

Layers, bottom first (README's architecture): ``core`` (settings, plain rules)
imports nothing of the project; the stages (``ingest``, ``ocr``, ``classifiers``)
only what is below them; then ``storage``; the journey and its runners
(``pipeline``); features that use the archive (``compare``, then ``certify``); ``api`` and the
command line (``sohoa``) on top. A module may
import its own package or any package of a lower layer, never one above: so no
two packages import each other, and a stage never reaches for a runner or the API.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

from setuptools import find_packages

from testkit.programs import REPO

ROOT = REPO
LAYERS = (
    "core",
    "ingest",
    "ocr",
    "classifiers",
    "storage",
    "pipeline",
    "compare",
    "certify",
    "api",
    "sohoa",
)
RANK = {package: rank for rank, package in enumerate(LAYERS)}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports(root: Path = ROOT) -> list[str]:
    """Every import of a package from a lower or equal-but-other layer, as 'file:line a -> b'."""
    wrong = []
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            for line, module in _imports(path):
                target = module.split(".")[0]
                if target in RANK and target != package and RANK[target] > RANK[package]:
                    wrong.append(f"{path.relative_to(root)}:{line} {package} -> {module}")
    return wrong


def test_imports_point_down_the_layers() -> None:
    assert [p for p in LAYERS if not (ROOT / p / "__init__.py").is_file()] == [], "a layer moved"
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule itself can fail: a stage importing the runners is reported."""
    for package in LAYERS:
        (tmp_path / package).mkdir()
    (tmp_path / "ocr" / "engine.py").write_text(
        "def f():\n    from pipeline.tasks import app\n    return app\n"
    )
    (tmp_path / "pipeline" / "tasks.py").write_text("import ocr.engine\nimport core.settings\n")
    assert upward_imports(tmp_path) == ["ocr/engine.py:2 ocr -> pipeline.tasks"]


def test_every_product_folder_ships_in_the_package_and_the_image() -> None:
    """A folder of code left out of the wheel or the image breaks only in production."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packaged = set(find_packages(str(ROOT), include=config["packages"]["find"]["include"]))
    data = [
        f"{top}/{pattern}"
        for top, patterns in config["package-data"].items()
        for pattern in patterns
    ]
    missing = []
    for package in LAYERS:
        for path in _modules(package):
            folder = path.parent.relative_to(ROOT)
            dotted = ".".join(folder.parts)
            relative = str(path.relative_to(ROOT))
            if dotted not in packaged and not any(fnmatch.fnmatch(relative, d) for d in data):
                missing.append(relative)
    assert missing == [], "not in the wheel: add an __init__.py or package-data"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert [p for p in LAYERS if f"COPY {p} {p}" not in dockerfile] == []


def test_no_two_product_modules_share_a_name() -> None:
    """``fields/text.py`` beside ``text.py`` meant two jobs under one name: a newcomer
    (and a grep) could not tell them apart."""
    seen: dict[str, list[str]] = {}
    for package in LAYERS:
        for path in _modules(package):
            if path.name != "__init__.py" and "migrations" not in path.parts:
                seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_every_package_says_its_job() -> None:
    """Each package's ``__init__.py`` opens with a docstring: its job in a sentence."""
    silent = []
    for package in LAYERS:
        for init in (ROOT / package).rglob("__init__.py"):
            if ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) is None:
                silent.append(str(init.relative_to(ROOT)))
    assert silent == []


PAGE_STORAGE = {"storage.web_sessions", "storage.apikeys"}
"""What the counter's pages may import of ``storage``: the sign-in's own rows. Every
other read goes through ``api.services``, which scopes and audits it as the API does."""


def page_storage_imports(root: Path = ROOT) -> list[str]:
    """Imports of ``storage`` by ``api/web`` beyond the sign-in's rows, as 'file:line module'."""
    wrong = []
    for path in sorted((root / "api" / "web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module == "storage":
                modules = [f"storage.{alias.name}" for alias in node.names]  # submodules
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            else:
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            wrong += [
                f"{where} {m}"
                for m in modules
                if m.split(".")[0] == "storage" and m not in PAGE_STORAGE
            ]
    return wrong


def test_pages_query_through_the_service_layer() -> None:
    assert page_storage_imports() == []


def test_the_page_rule_sees_a_direct_query(tmp_path: Path) -> None:
    (tmp_path / "api" / "web").mkdir(parents=True)
    (tmp_path / "api" / "web" / "page.py").write_text(
        "from storage import web_sessions\nfrom storage.models import Document\n"
    )
    assert page_storage_imports(tmp_path) == ["api/web/page.py:2 storage.models"]
