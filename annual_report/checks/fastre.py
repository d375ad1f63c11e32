"""Regular expressions that skip, at C speed, the positions where they cannot start.

Python's ``re`` tries a pattern at every position of the text. A pattern that begins with one
of many words in named groups (``(?P<review>复议)|(?P<suit>诉讼|起诉|应诉)|…``) is entered
and each of its alternatives tried at every character, which makes the sentence patterns of
the narrative rules cost 2–4 µs on a short clause. :func:`compile_fast` reads the pattern, finds
every character a match can begin with, and puts ``(?=[those characters])`` in front: a
position where the text has none of them is left after one set test.

The result finds exactly what the plain pattern finds (the same matches, groups and names)
because the look-ahead only refuses positions where no match can begin. A pattern whose first
characters cannot be listed (``.``, ``\\s``, a negated set, an empty match, flags …) is
compiled as it is.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["compile_fast", "first_chars", "source"]

_parser: Any = importlib.import_module("re._parser")  # no stubs: a private module of re
_MAX_RANGE = 4096  # a set wider than this is not listed


def _in(items: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        name = op.name
        if name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE" and av[1] - av[0] <= _MAX_RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            return None
    return chars


def _first(items: Any) -> tuple[set[str], bool] | None:
    """(characters a match of the sequence can begin with, whether it can match empty), or
    None when they cannot be listed."""
    chars: set[str] = set()
    for op, av in items:
        name = op.name
        if name == "LITERAL":
            chars.add(chr(av))
            return chars, False
        if name == "IN":
            found = _in(av)
            return None if found is None else (chars | found, False)
        if name in ("ASSERT", "ASSERT_NOT", "AT"):
            continue  # zero width: what follows begins the match
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            inner = None if add_flags or del_flags else _first(sub)
        elif name == "ATOMIC_GROUP":
            inner = _first(av)
        elif name == "BRANCH":
            inner = _branch(av[1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = av
            inner = _first(sub)
            if inner is not None and low == 0:
                inner = (inner[0], True)
        else:  # ANY, NOT_LITERAL, CATEGORY, a group reference …
            return None
        if inner is None:
            return None
        chars |= inner[0]
        if not inner[1]:
            return chars, False
    return chars, True


def _branch(alternatives: Any) -> tuple[set[str], bool] | None:
    chars: set[str] = set()
    empty = False
    for alternative in alternatives:
        found = _first(alternative)
        if found is None:
            return None
        chars |= found[0]
        empty = empty or found[1]
    return chars, empty


def first_chars(pattern: str) -> frozenset[str] | None:
    """Every character a (non-empty) match of ``pattern`` can begin with, or None when they
    cannot be listed or the pattern can match the empty string."""
    try:
        parsed = _parser.parse(pattern)
        if parsed.state.flags & ~re.UNICODE.value:
            return None  # global flags: (?x), (?i) … are not read here
        found = _first(parsed)
    except (AttributeError, TypeError, ValueError):  # a structure this does not know
        return None
    if found is None or found[1] or not found[0]:
        return None
    return frozenset(found[0])


_SOURCES: dict[re.Pattern[str], str] = {}


def compile_fast(pattern: str) -> re.Pattern[str]:
    """``re.compile(pattern)``, with ``(?=[first characters])`` in front when they are known."""
    chars = first_chars(pattern)
    if chars is None:
        return re.compile(pattern)
    listed = "".join(re.escape(c) for c in sorted(chars))
    compiled = re.compile(f"(?=[{listed}])(?:{pattern})")
    _SOURCES[compiled] = pattern
    return compiled


def source(compiled: re.Pattern[str]) -> str:
    """The pattern a :func:`compile_fast` result was made from (for tests and messages)."""
    return _SOURCES.get(compiled, compiled.pattern)
