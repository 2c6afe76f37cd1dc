"""One typed registry of checks, fed by `@register` and the `tianping.checks` entry points."""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points
from typing import TypeVar

from tianping.checks._contract import Check
from tianping.errors import InputError

ENTRY_POINT_GROUP = "tianping.checks"
PLUGINS_ENV = "TIANPING_PLUGINS"

C = TypeVar("C", bound=type[Check])


class CheckRegistry:
    def __init__(self) -> None:
        self._checks: dict[str, type[Check]] = {}
        self._discovered = False

    def register(self, cls: C) -> C:
        for attr in ("id", "title", "family"):
            if not hasattr(cls, attr):
                raise TypeError(f"check class {cls.__name__} must define '{attr}'")
        existing = self._checks.get(cls.id)
        # The same class re-imported (e.g. a module reloaded) may re-register itself.
        same = existing is not None and (existing.__module__, existing.__qualname__) == (
            cls.__module__,
            cls.__qualname__,
        )
        if existing is not None and existing is not cls and not same:
            raise ValueError(
                f"check id '{cls.id}' is already registered by "
                f"{existing.__module__}.{existing.__qualname__}"
            )
        self._checks[cls.id] = cls
        return cls

    def discover(self) -> None:
        """Import entry-point modules and `TIANPING_PLUGINS` modules (comma-separated)."""
        if self._discovered:
            return
        self._discovered = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            ep.load()
        for name in filter(None, (s.strip() for s in os.environ.get(PLUGINS_ENV, "").split(","))):
            try:
                importlib.import_module(name)
            except ImportError as exc:
                raise InputError(
                    f"Cannot import plugin module / 无法导入插件模块 '{name}' "
                    f"(from {PLUGINS_ENV}): {exc}"
                ) from None

    def get(self, check_id: str) -> type[Check] | None:
        self.discover()
        return self._checks.get(check_id)

    def ids(self) -> list[str]:
        self.discover()
        return sorted(self._checks)

    def all(self) -> dict[str, type[Check]]:
        self.discover()
        return dict(self._checks)


registry = CheckRegistry()
register = registry.register
