"""Find SLO files and read their YAML documents, turning every reading mistake into a problem.

Example::

    problems = Problems()
    for path in find_files(["slo"], problems):
        for index, doc in read_documents(path, problems):
            ...
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from qobserve.slo.problems import Problems, Where

SUFFIXES = (".yaml", ".yml")


def find_files(paths: Sequence[str | os.PathLike[str]], problems: Problems) -> list[Path]:
    """The SLO files named by ``paths``: files as given, folders' ``*.yaml``/``*.yml`` files
    (not recursive, hidden files skipped), deduplicated and sorted."""
    found: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found.update(
                    p
                    for p in path.iterdir()
                    if p.suffix in SUFFIXES and p.is_file() and not p.name.startswith(".")
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


def read_documents(path: Path, problems: Problems) -> list[tuple[int, Any]]:
    """Every non-empty YAML document of ``path`` with its index; a file that cannot be read or
    parsed, or that holds no document, is a problem and yields nothing."""
    where = Where(problems, os.fspath(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        where.error(f"cannot read file: {err}")
        return []
    try:
        docs = list(yaml.load_all(text, Loader=_StrictLoader))
    except yaml.YAMLError as err:
        where.error(f"not valid YAML: {_yaml_message(err)}")
        return []
    found = [(i, doc) for i, doc in enumerate(docs) if doc is not None]
    if not found:
        where.error("empty file: no SLO specification in it")
    return found


def _yaml_message(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
