"""Patcher: own and inherited attributes, re-exported functions, exact restoration."""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable
from typing import Any

from qobserve.instrument.patching import Patcher


class Base:
    def run(self) -> str:
        return "base"

    @property
    def prop(self) -> int:
        return 1


class Child(Base):
    pass


def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return ("wrapped", original(*args, **kwargs))

    return wrapper


def test_own_and_inherited_methods() -> None:
    original = Base.__dict__["run"]
    patcher = Patcher()
    assert patcher.patch(Child, "run", wrap)  # inherited: set on Child only
    assert patcher.patch(Base, "run", wrap)
    # Child's wrapper wraps what Child inherited when patched: Base's original
    assert Child().run() == Base().run() == ("wrapped", "base")
    assert not patcher.patch(Base, "prop", wrap)  # a property: left alone
    assert not patcher.patch(Base, "missing", wrap)
    patcher.restore()
    assert Base.__dict__["run"] is original and "run" not in Child.__dict__
    assert patcher.patches == ()


def test_function_rebound_in_every_module() -> None:
    def target() -> str:
        return "t"

    modules = [types.ModuleType(f"qobserve_test_mod_{i}") for i in range(2)]
    for module in modules:
        module.alias = target  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
    try:
        patcher = Patcher()
        replacement = wrap(target)
        assert patcher.patch_function(target, replacement, prefixes=("qobserve_test_mod",)) == 2
        assert all(m.alias is replacement for m in modules)  # type: ignore[attr-defined]
        patcher.restore()
        assert all(m.alias is target for m in modules)  # type: ignore[attr-defined]
    finally:
        for module in modules:
            del sys.modules[module.__name__]
