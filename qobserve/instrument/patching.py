"""Replace attributes of classes and modules, and put back exactly what was there.

No wrapt: a patch is a plain ``setattr`` of a function made with :func:`functools.wraps`
(so ``__wrapped__``, name, docstring and signature stay the original's), and restoring puts
back the very object that was in the owner's ``__dict__`` — or deletes the attribute when it
was inherited — so ``Cls.__dict__["run"] is original`` holds after :meth:`Patcher.restore`.

Example::

    patcher = Patcher()
    patcher.patch(SamplerV2, "run", lambda original: make_wrapper(original))
    ...
    patcher.restore()
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from typing import Any, NamedTuple

WrapperFactory = Callable[[Callable[..., Any]], Callable[..., Any]]


class Patch(NamedTuple):
    """One replaced attribute and what to put back."""

    owner: Any
    name: str
    original: Any
    had_own: bool


class Patcher:
    """Applies patches and undoes all of them, newest first."""

    def __init__(self) -> None:
        self._patches: list[Patch] = []
        #: False once :meth:`restore` ran: nothing is patched any more
        self.active = True

    @property
    def patches(self) -> tuple[Patch, ...]:
        """The patches in place, oldest first."""
        return tuple(self._patches)

    def patch(self, owner: Any, name: str, factory: WrapperFactory) -> bool:
        """Replace ``owner.name`` (a plain function, possibly inherited) by
        ``factory(original)``; False, and nothing changed, when it is absent or not a function."""
        own = vars(owner).get(name, _MISSING)
        current = own if own is not _MISSING else getattr(owner, name, _MISSING)
        if not inspect.isfunction(current):
            return False  # absent, a property, a staticmethod...: not what we know how to wrap
        setattr(owner, name, factory(current))
        self._patches.append(Patch(owner, name, own, own is not _MISSING))
        return True

    def set(self, owner: Any, name: str, value: Any) -> None:
        """Set ``owner.name`` to ``value`` (any attribute), to be undone by :meth:`restore`."""
        own = vars(owner).get(name, _MISSING)
        setattr(owner, name, value)
        self._patches.append(Patch(owner, name, own, own is not _MISSING))

    def patch_function(
        self,
        original: Callable[..., Any],
        replacement: Callable[..., Any],
        prefixes: tuple[str, ...] = ("",),
    ) -> int:
        """Rebind every module-level name that refers to ``original`` in the loaded modules
        whose names start with one of ``prefixes`` (a function is re-exported under several
        modules, and imported by name into others); returns how many names were rebound."""
        count = 0
        for module in list(sys.modules.values()):
            if not isinstance(module, types.ModuleType):
                continue
            if not str(getattr(module, "__name__", "")).startswith(prefixes):
                continue
            namespace = vars(module)
            for name, value in list(namespace.items()):
                if value is original:
                    setattr(module, name, replacement)
                    self._patches.append(Patch(module, name, original, True))
                    count += 1
        return count

    def restore(self) -> None:
        """Undo every patch, newest first, restoring the exact original objects."""
        self.active = False
        while self._patches:
            patch = self._patches.pop()
            if patch.had_own:
                setattr(patch.owner, patch.name, patch.original)
            elif patch.name in vars(patch.owner):
                delattr(patch.owner, patch.name)


def class_tree(root: type) -> list[type]:
    """``root`` and every subclass of it loaded now, parents before their subclasses."""
    found: list[type] = []
    stack = [root]
    while stack:
        cls = stack.pop(0)
        if cls not in found:
            found.append(cls)
            stack.extend(cls.__subclasses__())
    return found


_MISSING: Any = object()
