"""The layout's rules, read from the source with `ast` (docs/architecture.md):

- no import cycle between the project's modules;
- no app imports one above it: config → challenge, stories → campaign → videos →
  core, and the two feature apps (challenge, stories) do not import each other.

Both count imports inside functions too: a deferred import is still a dependency,
and a cycle hidden behind one is still a cycle (a service that imports its task
inside a function while the task imports the service). Work goes to tasks by name
instead (core.jobs).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "campaign", "videos", "stories", "challenge")
# Higher may import lower; equal ranks are peers that must not import each other.
RANK = {
    "core": 0,
    "videos": 1,
    "campaign": 2,
    "stories": 3,
    "challenge": 3,
    "config": 4,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            modules[_module_name(path)] = path
    return modules


MODULES = _project_modules()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path) -> list[tuple[str, bool, int]]:
    """(imported project module, at module level?, line) for every import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            targets = []
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in MODULES else base)
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                found.append((target, id(node) in top_level, node.lineno))
    return found


def _graph() -> dict[str, list[tuple[str, bool, int]]]:
    return {module: _imports(module, path) for module, path in MODULES.items()}


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a chain of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(edges):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


def test_the_checker_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_checker_reads_relative_and_deferred_imports():
    imports = {
        (target, top)
        for target, top, _line in _imports(
            "challenge.services.submission", MODULES["challenge.services.submission"]
        )
    }
    assert ("challenge.states", True) in imports
    assert ("campaign.selectors", True) in imports
    apps = {
        (target, top)
        for target, top, _line in _imports("challenge.apps", MODULES["challenge.apps"])
    }
    assert ("videos.owners", False) in apps


def _edges(graph) -> dict[str, set[str]]:
    """Every import counts, at module level or deferred inside a function."""
    return {
        module: {target for target, _top, _line in imports if target != module}
        for module, imports in graph.items()
    }


def test_no_import_cycle_between_modules():
    cycle = _find_cycle(_edges(_graph()))
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_the_cycle_check_catches_a_cycle_made_of_a_deferred_import(tmp_path):
    """A service that imports its task inside a function, while the task module
    imports the service at the top: the cycle the check exists to catch."""
    module = "challenge.services.guardian"
    source = MODULES[module].read_text() + (
        "\n\ndef _send_the_old_way(consent_id):\n"
        "    from ..tasks import send_guardian_email\n\n"
        "    send_guardian_email.delay(consent_id)\n"
    )
    injected = tmp_path / "guardian.py"
    injected.write_text(source)
    graph = _graph()
    graph[module] = _imports(module, injected)

    cycle = _find_cycle(_edges(graph))

    assert cycle is not None
    assert {module, "challenge.tasks"} <= set(cycle)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_app_imports_an_app_above_it(package):
    upward = []
    for module, imports in _graph().items():
        if module.split(".")[0] != package:
            continue
        for target, _top, line in imports:
            other = target.split(".")[0]
            if other != package and RANK[other] >= RANK[package]:
                upward.append(f"{MODULES[module].relative_to(ROOT)}:{line} → {target}")
    assert not upward, f"{package} imports upward or sideways:\n" + "\n".join(upward)


def test_no_settings_default_outside_the_settings_module():
    """Defaults live once, in config/settings.py; app code reads settings.X."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for module, path in MODULES.items()
        if not module.startswith("config")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "settings"
    ]
    assert not offenders, "getattr(settings, …) in: " + ", ".join(offenders)


def test_bench_never_imports_the_tests():
    """The tests may use bench's tools (the Chromium launch, free ports, the corpus of
    bad files) and test its scripts; a benchmark never depends on a test module."""
    offenders = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno} → {name}"
                for name in names
                if name.split(".")[0] == "tests"
            ]
    assert not offenders, "bench imports tests:\n" + "\n".join(offenders)


def test_the_state_machine_changes_rows_only():
    """challenge.states applies transitions; deleting files and forgetting cached
    pages are the calling services' side effects (services.erasure). No services,
    tasks or selectors (the gallery's bring the cache), no storage, no cache."""
    side_effects = [
        f"{target} (line {line})"
        for target, _top, line in _imports(
            "challenge.states", MODULES["challenge.states"]
        )
        if target.rsplit(".", 1)[-1] in {"services", "tasks", "jobs"}
        or ".services." in target
        or ".selectors" in target
    ]
    tree = ast.parse(MODULES["challenge.states"].read_text())
    side_effects += [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module in {"django.core.cache", "django.core.files.storage"}
    ]
    assert not side_effects, "challenge.states imports " + ", ".join(side_effects)
