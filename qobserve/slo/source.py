"""Find SLO files and read their YAML documents, turning every reading mistake into a problem.

Example::

    problems = Problems()
    for path in find_files(["slo"], problems):
        for index, doc in read_documents(path, problems):
            ...
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from qobserve import budgets
from qobserve.slo.problems import Problems, Where

SUFFIXES = (".yaml", ".yml")


def find_files(paths: Sequence[str | os.PathLike[str]], problems: Problems) -> list[Path]:
    """The SLO files named by ``paths``: files as given, folders' ``*.yaml``/``*.yml`` files
    (not recursive, hidden files and the catalog's ``budgets.yaml`` skipped), deduplicated
    and sorted."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found.update(
                    p
                    for p in path.iterdir()
                    if p.suffix in SUFFIXES
                    and p.is_file()
                    and not p.name.startswith(".")
                    and p.name not in budgets.FILE_NAMES
                )
            elif path.is_file():
                found.add(path)
            else:
                Where(problems, os.fspath(path)).error("no such file or folder")
        except OSError as err:  # a name too long, a folder that cannot be listed
            Where(problems, os.fspath(path)).error(f"cannot read: {err.strerror or err}")
    return sorted(found)


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, list | dict):
            continue  # unhashable keys are reported by the base constructor
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


#: Deepest nesting of mappings and lists accepted (a Kubernetes CRD SLO needs about 12).
MAX_DEPTH = 64
#: Most values a document may hold once its aliases are expanded: a spec is hundreds, an alias
#: bomb ("billion laughs") billions.
MAX_NODES = 200_000
_SURROGATE = re.compile("[\ud800-\udfff]")


class _TooBig(Exception):
    """A document nested too deeply, expanding to too many values, or aliasing itself."""


def read_documents(path: Path, problems: Problems) -> list[tuple[int, Any]]:
    """Every non-empty YAML document of ``path`` with its index; a file that cannot be read or
    parsed, or that holds no document, is a problem and yields nothing."""
    where = Where(problems, os.fspath(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        where.error(f"cannot read file: {err}")
        return []
    docs: list[Any] = []
    loader = _StrictLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _check_size(node)
            docs.append(loader.construct_document(node))
    except yaml.YAMLError as err:
        where.error(f"not valid YAML: {_yaml_message(err)}")
        return []
    except RecursionError:
        where.error(f"not usable: nested more than {MAX_DEPTH} levels deep")
        return []
    except _TooBig as err:
        where.error(f"not usable: {err}")
        return []
    finally:
        loader.dispose()
    found = [(i, doc) for i, doc in enumerate(docs) if doc is not None]
    if not found:
        where.error("empty file: no SLO specification in it")
    return found


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_size(root: yaml.Node) -> None:
    """Raise :class:`_TooBig` unless ``root`` expands (aliases followed) to a bounded tree.

    Walks the node graph once, iteratively, with each shared (aliased) node's size memoised,
    so the check itself costs the size of the file, not of the expansion.
    """
    done: dict[int, tuple[int, int]] = {}  # id -> (values, depth) once expanded
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = [done[id(k)] for k in _children(node)]
            size = 1 + sum(k[0] for k in kids)
            depth = 1 + max((k[1] for k in kids), default=0)
            if depth > MAX_DEPTH:
                raise _TooBig(f"nested more than {MAX_DEPTH} levels deep (line {_line(node)})")
            if size > MAX_NODES:
                raise _TooBig(
                    f"expands to more than {MAX_NODES:,} values (aliases of aliases, "
                    f"line {_line(node)})"
                )
            done[key] = (size, depth)
            active.discard(key)
            continue
        if key in done:
            continue
        if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
            raise _TooBig(f"line {_line(node)} holds a lone surrogate, which is not text")
        active.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in active:
                raise _TooBig(f"an alias refers to its own anchor (line {_line(kid)})")
            if id(kid) not in done:
                stack.append((kid, False))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _yaml_message(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
