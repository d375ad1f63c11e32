"""A compact store for one row's parsed values: a list in the order of the model's fields.

A row has a value for each of the model's ~220 fields; as a dict that is ~10 KB a row, as a list
indexed by the field's position ~1.8 KB (the values themselves are mostly small, shared ints).
:class:`RowValues` is a full mutable mapping, so ``values[key]``, ``.get``, ``in``, ``.items()``,
``del`` and ``.update`` work as on a dict; keys outside the model go to a small dict beside it.
Iteration follows the model's field order (then other keys as added); nothing depends on the
order (the row's fingerprint sorts the items), and it pickles for spawn workers.
:class:`CellPlan` puts a sheet row's plain counts into a store in one gather. A narrative the
read spilled to its temporary file (see :mod:`.spill`) is held as a handle and given back as
its text by every access (``[]``, ``.get``, ``.items()``, the fingerprint, pickling).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from ..format.model import FIELDS, Kind
from .spill import Spilled

KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
INDEX: dict[str, int] = {key: i for i, key in enumerate(KEYS)}
_SORTED_REPR = tuple((repr(key), INDEX[key]) for key in sorted(KEYS))


class _Absent:
    """The marker of a field without a value (blank or invalid cell)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class RowValues(MutableMapping[str, Any]):
    """Field key -> parsed value, held as a list by field position (see the module)."""

    __slots__ = ("cells", "_other")

    def __init__(self, values: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        self.cells: list[Any] = [ABSENT] * len(KEYS)
        self._other: dict[str, Any] | None = None
        if values:
            self.update(values)

    @classmethod
    def of_cells(cls, cells: list[Any]) -> RowValues:
        """The store over ``cells`` (one per model field in order, :data:`ABSENT` where there
        is no value), taken as it is."""
        values = cls.__new__(cls)
        values.cells, values._other = cells, None
        return values

    # -- the mapping --

    def __getitem__(self, key: str) -> Any:
        index = INDEX.get(key)
        if index is None:
            if self._other is None:
                raise KeyError(key)
            return self._other[key]
        value = self.cells[index]
        if value is ABSENT:
            raise KeyError(key)
        return value.text() if type(value) is Spilled else value

    def get(self, key: str, default: Any = None) -> Any:
        index = INDEX.get(key)
        if index is None:
            return self._other.get(key, default) if self._other is not None else default
        value = self.cells[index]
        if value is ABSENT:
            return default
        return value.text() if type(value) is Spilled else value

    def __contains__(self, key: object) -> bool:
        index = INDEX.get(key) if isinstance(key, str) else None
        if index is None:
            return self._other is not None and key in self._other
        return self.cells[index] is not ABSENT

    def __setitem__(self, key: str, value: Any) -> None:
        index = INDEX.get(key)
        if index is None:
            if self._other is None:
                self._other = {}
            self._other[key] = value
        else:
            self.cells[index] = value

    def __delitem__(self, key: str) -> None:
        index = INDEX.get(key)
        if index is None:
            if self._other is None:
                raise KeyError(key)
            del self._other[key]
        elif self.cells[index] is ABSENT:
            raise KeyError(key)
        else:
            self.cells[index] = ABSENT

    def __iter__(self) -> Iterator[str]:
        for key, value in zip(KEYS, self.cells, strict=True):
            if value is not ABSENT:
                yield key
        if self._other:
            yield from list(self._other)

    def __len__(self) -> int:
        return len(KEYS) - self.cells.count(ABSENT) + (len(self._other) if self._other else 0)

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        """(key, value) pairs, as a list (the fingerprint sorts them; a view is not needed)."""
        pairs = [(k, v.text() if type(v) is Spilled else v)
                 for k, v in zip(KEYS, self.cells, strict=True) if v is not ABSENT]
        if self._other:
            pairs.extend(self._other.items())
        return pairs

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RowValues({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.cells, self._other))


def _rebuild(cells: list[Any], other: dict[str, Any] | None) -> RowValues:
    values = RowValues()
    values.cells, values._other = cells, other
    return values


def items_repr(values: Mapping[str, Any]) -> str:
    """``repr(sorted(values.items()))``, the text a row's fingerprint hashes; for a
    :class:`RowValues` built in one pass, in the keys' known order (the same characters)."""
    if type(values) is RowValues and not values._other:
        cells = values.cells
        return "[" + ", ".join([f"({key}, {cells[i]!r})" for key, i in _SORTED_REPR
                                if cells[i] is not ABSENT]) + "]"  # Spilled: repr of its text
    return repr(sorted(values.items()))


COUNT_KEYS = frozenset(f.key for f in FIELDS if f.kind is Kind.COUNT)


class CellPlan:
    """How the cells of a sheet row go into a row's values: plain counts (what calamine reads
    as a whole non-negative float) straight into the value store, the rest to be parsed."""

    def __init__(self, columns: dict[str, int]) -> None:
        # (key, column, position in the value store, whether a count) in column order
        self.cells = [(k, c, INDEX[k], k in COUNT_KEYS) for k, c in columns.items()]
        counts = [(c, index) for _k, c, index, count in self.cells if count]
        self.width = max(columns.values(), default=-1) + 1
        self.count_cells = operator.itemgetter(*(c for c, _ in counts)) if len(counts) > 1 else None
        # the value store from the row's counts (ABSENT appended last): one C call a row
        order = {index: i for i, (_c, index) in enumerate(counts)}
        self.store = operator.itemgetter(*(order.get(i, len(counts)) for i in range(len(KEYS))))
        self.others = [(k, c) for k, c, _index, count in self.cells if not count]

    def split(self, cells: list[Any]) -> tuple[RowValues, dict[str, Any]]:
        """The row's plain counts in a value store, and its other cells (key -> raw value) in
        column order, the order in which the reader parses them."""
        if len(cells) < self.width:  # a row read in a slice ends at its own last cell
            cells = [*cells, *[""] * (self.width - len(cells))]
        if self.count_cells is not None:
            found = self.count_cells(cells)  # every count plain (the usual row): no loop per cell
            if (set(map(type, found)) == {float} and min(found) >= 0 and max(found) < 1e12
                    and all(map(float.is_integer, found))):
                numbers: list[Any] = [*map(int, found), ABSENT]
                return (RowValues.of_cells(list(self.store(numbers))),
                        {key: cells[c] for key, c in self.others})
        values = RowValues()
        store = values.cells
        rest: dict[str, Any] = {}
        for key, c, index, count in self.cells:  # cell by cell
            value = cells[c]
            if count and type(value) is float and 0 <= value < 1e12 and value.is_integer():
                store[index] = int(value)
            else:
                rest[key] = value
        return values, rest
