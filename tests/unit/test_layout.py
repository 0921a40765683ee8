"""The service template (docs/architecture.md, "The service template"), checked on every service.

A new service copies what it finds; this keeps what it finds in one shape: the allowed top-level
entries of each package, and which layer may import what (AWS and PynamoDB only in adapters, a pure
domain, thin routes and handlers, no service importing another)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from shared.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = {
    "__init__.py",
    "route_table.py",
    "consumers.py",
    "schedules.py",
    "api",
    "contracts",
    "service",
    "domain",
    "adapters",
}
AWS = ("boto3", "botocore", "pynamodb", "shared.aws")
# module prefix (within the package) -> imports it must not make
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (
        *AWS,
        "chalice",
        "shared.persistence",
        "shared.http",
        "{pkg}.adapters",
        "{pkg}.service",
        "{pkg}.api",
    ),
    "api": (*AWS, "{pkg}.adapters"),
    "contracts": (*AWS, "{pkg}.adapters", "{pkg}.service", "{pkg}.api"),
    "service": ("boto3", "botocore", "pynamodb", "shared.aws", "{pkg}.api"),
    "consumers": ("pynamodb", "boto3", "botocore", "shared.aws"),
    "schedules": ("pynamodb", "boto3", "botocore", "shared.aws"),
}


def package(service: str) -> Path:
    return ROOT / "services" / service / "chalicelib" / service


def modules(service: str) -> list[tuple[str, Path]]:
    base = package(service)
    return [(".".join(p.relative_to(base).with_suffix("").parts), p) for p in sorted(base.rglob("*.py"))]


def imports(path: Path, top_level_only: bool = False) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return out


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("service", SERVICES)
def test_the_package_holds_only_the_template_entries(service: str) -> None:
    entries = {p.name for p in package(service).iterdir() if p.name != "__pycache__"}
    assert entries <= TOP_LEVEL, sorted(entries - TOP_LEVEL)
    for folder in ("api", "contracts", "service", "domain", "adapters"):
        if (package(service) / folder).is_dir():
            assert (package(service) / folder / "__init__.py").exists(), f"{folder}/ is not a package"


@pytest.mark.parametrize("service", SERVICES)
def test_each_layer_imports_only_what_it_may(service: str) -> None:
    pkg = f"chalicelib.{service}"
    problems = []
    for name, path in modules(service):
        layer = name.split(".")[0]
        banned = [b.format(pkg=pkg) for b in FORBIDDEN.get(layer, ())]
        others = [f"chalicelib.{other}" for other in SERVICES if other != service]
        for imported in imports(path):
            if any(_matches(imported, b) for b in banned + others):
                problems.append(f"{name} imports {imported}")
        if layer == "adapters":
            continue
        if re.search(r"^class \w+\((TenantItem|Aggregate|Model)\)", path.read_text(encoding="utf-8"), re.M):
            problems.append(f"{name} defines a PynamoDB item outside adapters/")
    assert not problems, problems


@pytest.mark.parametrize("service", SERVICES)
def test_handlers_load_their_use_cases_when_called(service: str) -> None:
    """consumers.py and schedules.py start with every function of the service: they import their
    service modules inside the handler, so one consumer does not start up with the others' code."""
    pkg = f"chalicelib.{service}"
    for name in ("consumers", "schedules"):
        path = package(service) / f"{name}.py"
        if path.exists():
            eager = [i for i in imports(path, top_level_only=True) if _matches(i, f"{pkg}.service")]
            assert not eager, f"{name}.py imports {eager} at start-up"


@pytest.mark.parametrize("service", SERVICES)
def test_each_route_module_imports_its_own_feature_only(service: str) -> None:
    """A cold request imports its route module: it must not pull in every other feature's use cases."""
    pkg = f"chalicelib.{service}"
    for name, path in modules(service):
        if not name.startswith("api.") or name == "api.__init__":
            continue
        features = {
            i.split(".")[3]
            for i in imports(path, top_level_only=True)
            if _matches(i, f"{pkg}.service") and i.count(".") >= 3
        }
        assert len(features) <= 2, f"{name} imports the use cases of {sorted(features)}"


def test_the_documented_template_is_the_one_checked() -> None:
    """docs/architecture.md's tree and this test's list of entries say the same."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## The service template", 1)[1].split("```", 2)[1]
    documented = {m.group(1).split("/")[0] for m in re.finditer(r"^chalicelib/<svc>/(\S+)", block, re.M)}
    assert documented == TOP_LEVEL - {"__init__.py"}


def test_no_two_test_modules_import_under_one_name() -> None:
    """With ``--import-mode=importlib`` pytest imports a module inside a package by its package name,
    counted from the first folder without ``__init__.py``: two such modules of one name
    (tests/unit/approvals/x.py and tests/service/approvals/x.py) make the second import the first, and
    its tests vanish or run with the wrong fixtures. (Loose modules are imported by their path.)"""
    root = Path(__file__).resolve().parents[2]
    names: dict[str, Path] = {}
    for path in sorted((root / "tests").rglob("test_*.py")):
        parts = [path.stem]
        folder = path.parent
        while (folder / "__init__.py").exists():
            parts.insert(0, folder.name)
            folder = folder.parent
        if len(parts) == 1:
            continue
        name = ".".join(parts)
        assert name not in names, f"{path} and {names[name]} both import as {name}"
        names[name] = path
