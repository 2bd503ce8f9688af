"""A read-only mapping that survives pickling.

Why not :class:`types.MappingProxyType`: the result objects are cached by the dashboard
(``st.cache_data`` pickles them) and stored with runs; a mappingproxy cannot be pickled.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

__all__ = ["FrozenMap"]

V = TypeVar("V")


class FrozenMap(Mapping[str, V]):
    """An immutable ``str -> value`` mapping (no item assignment), picklable, equal to dicts."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, V] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"
