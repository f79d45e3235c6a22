"""The package's layering, read from the source with `ast` (every import, at any depth, TYPE_CHECKING too).

A module belongs to a unit: its subpackage (`qa.index.store` -> `qa.index`), or itself at the top
(`qa.engine`, `qa.config`); the package's own `__init__` is the unit `qa`. Units sit in layers:

    front ends   qa.cli (and qa.__main__), qa.console, qa.serve, qa.ui, qa.evaluation
    engine       qa.engine (the one facade), qa.collection (changes to the collection made through it),
                 qa.requests (a front end's request to Engine.ask),
                 qa.cluster (an Engine's build with its reading, splitting and embedding done by a Ray cluster:
                 the engine's work done elsewhere, so it sits beside the engine and reaches the stages as it does),
                 qa.conversations (conversations kept beside the index and their export: used by the front ends,
                 it needs no engine, only the base and qa.ingest's `shorten`)
    stages       qa.answering -> qa.index -> qa.embed -> qa.ingest
    base         qa, qa.config, qa.environment, qa.errors, qa.fitted, qa.fitted_sentences, qa.records,
                 qa.text, qa.timing

The rule:
  (a) a module imports only from its own layer or a lower one; the stages are ordered as written, so a
      stage imports only from stages to its right (answering -> index -> embed -> ingest) and the base.
      Front ends reach the stages through the engine, except qa.ingest (reading files, fetching a page,
      saving uploads, watching folders: what is done to the collection folders before a build).
  (b) no import cycle between units (within a layer too: qa.serve -> qa.ui -> qa.console, never back).
  (c) no name starting with `_` (dunders aside) is imported from another module, anywhere in qa/, tests/,
      benchmarks/, eval/, docs/*.py or app.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

from .support import ROOT

LAYERS = {  # unit -> (layer, rank within the stages)
    **{u: ("front end", 0) for u in ("qa.__main__", "qa.cli", "qa.console", "qa.serve", "qa.ui", "qa.evaluation")},
    **{u: ("engine", 0) for u in ("qa.engine", "qa.collection", "qa.requests", "qa.cluster", "qa.conversations")},
    **{u: ("stage", rank) for rank, u in enumerate(("qa.ingest", "qa.embed", "qa.index", "qa.answering"), 1)},
    **{u: ("base", 0) for u in ("qa", "qa.config", "qa.environment", "qa.errors", "qa.fitted", "qa.fitted_sentences",
                                   "qa.records", "qa.text", "qa.timing")},
}
HEIGHT = {"base": 0, "stage": 1, "engine": 2, "front end": 3}
FRONT_END_MAY_REACH = {"qa.ingest"}  # the one stage a front end may import directly


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (ROOT.joinpath(*name.split(".")) / "__init__.py").is_file()


def imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, name or '') of every import in `path`, relative imports resolved."""
    name = module_name(path) if path.is_relative_to(ROOT / "qa") else ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"  # `from pkg import module` imports the module
                is_module = is_package(sub) or ROOT.joinpath(*sub.split(".")).with_suffix(".py").is_file()
                target = sub if base.startswith("qa") and is_module else base
                found.append((node.lineno, target, alias.name))
    return found


def unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return module
    return ".".join(parts[:2])


def qa_modules() -> list[Path]:
    return sorted((ROOT / "qa").rglob("*.py"))


def unit_edges() -> dict[tuple[str, str], list[str]]:
    """(importer unit, imported unit) -> where, for every import between two units of qa."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in qa_modules():
        here = unit(module_name(path))
        for line, target, _ in imports(path):
            if target == "qa" or target.startswith("qa."):
                there = unit(target)
                where = f"{path.relative_to(ROOT)}:{line} imports {target}"
                if there != here and where not in edges.setdefault((here, there), []):
                    edges[(here, there)].append(where)
    return edges


def test_every_unit_of_the_package_has_a_layer():
    units = {unit(module_name(p)) for p in qa_modules()}
    assert units <= set(LAYERS), f"modules in no layer (add them to LAYERS and the docstring): {units - set(LAYERS)}"


def test_no_module_imports_from_a_higher_layer():
    bad = []
    for (here, there), where in unit_edges().items():
        (layer, rank), (their_layer, their_rank) = LAYERS[here], LAYERS[there]
        if HEIGHT[their_layer] > HEIGHT[layer]:
            bad += [f"{w}  ({layer} {here} -> {their_layer} {there})" for w in where]
        elif layer == their_layer == "stage" and their_rank > rank:
            bad += [f"{w}  (stage {here} -> {there}; stages import only answering -> index -> embed -> ingest)"
                    for w in where]
        elif layer == "front end" and their_layer == "stage" and there not in FRONT_END_MAY_REACH:
            bad += [f"{w}  (front end {here} -> stage {there}; go through qa.engine)" for w in where]
    assert not bad, "imports against the layering (see this file's docstring):\n" + "\n".join(bad)


def test_no_import_cycle_between_units():
    edges = unit_edges()
    graph: dict[str, set[str]] = {}
    for here, there in edges:
        if edges[(here, there)]:
            graph.setdefault(here, set()).add(there)
    cycles, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = path[path.index(node):] + [node]
            cycles.append(" -> ".join(cycle) + "\n    " + "\n    ".join(
                w for a, b in zip(cycle, cycle[1:]) for w in edges[(a, b)]))
            return
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        done.add(node)

    for start in sorted(graph):
        visit(start, [])
    assert not cycles, "import cycles between units:\n" + "\n".join(cycles)


def test_no_private_name_is_imported_from_another_module():
    files = [*qa_modules(), *sorted(ROOT.glob("tests/**/*.py")), *sorted(ROOT.glob("benchmarks/**/*.py")),
             *sorted(ROOT.glob("eval/**/*.py")), *sorted(ROOT.glob("docs/*.py")), ROOT / "app.py"]
    bad = [f"{path.relative_to(ROOT)}:{line} imports {name} from {target}"
           for path in files for line, target, name in imports(path)
           if name.startswith("_") and not name.startswith("__")]
    assert not bad, "private names imported from another module (make them public or move them):\n" + "\n".join(bad)


# named so by the standard library, not private: namedtuple's methods, os._exit
STANDARD_UNDERSCORE_NAMES = {"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_exit"}


def defined_names(tree: ast.AST) -> set[str]:
    """Every name a module defines: functions, classes, arguments, and what it assigns (`x = `, `self.x = `)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def private_attribute_uses(path: Path) -> list[str]:
    """`x._name` in `path` where `_name` is defined in another module: a private name reached from outside."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    own = defined_names(tree)
    return [f"{path.relative_to(ROOT)}:{node.lineno} uses .{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
            and node.attr not in own and node.attr not in STANDARD_UNDERSCORE_NAMES]


def test_no_private_name_of_another_module_is_used():
    """(c) for attributes: `engine._embed_sentences`, `lock._lock` or `module._helper` from outside its module."""
    files = [*qa_modules(), *sorted(ROOT.glob("tests/**/*.py")), *sorted(ROOT.glob("benchmarks/**/*.py")),
             *sorted(ROOT.glob("eval/**/*.py")), *sorted(ROOT.glob("docs/*.py")), ROOT / "app.py"]
    bad = [use for path in files for use in private_attribute_uses(path)]
    assert not bad, "private names used outside their module (make them public or test the public API):\n" + \
        "\n".join(bad)


MAX_MODULE_LINES = 300


def test_no_module_of_the_tree_is_over_300_lines():
    """The package, its tests, benchmarks and evaluation scripts, and app.py: all of them are read and changed."""
    modules = [*qa_modules(), ROOT / "app.py",
               *(p for part in ("tests", "benchmarks", "eval") for p in sorted((ROOT / part).rglob("*.py")))]
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in modules
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by what they do):\n" + "\n".join(long)