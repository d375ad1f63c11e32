"""Keep the password out of everything a user or a file sees.

The client itself puts the password on the wire in several encodings: as typed, base64 of
``\\0user\\0password`` (AUTH PLAIN), base64 of the password alone (AUTH LOGIN), and a careless
server may echo any of them back, or their hex. :func:`scrub` masks every such form, and every
string the client actually sent while logging in (:func:`remember`), in any text: server answers,
error messages, log records, crash files.

The forms remembered are process-wide, so that even a crash handler that knows nothing of the
password masks what the client sent.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
_FRAGMENT = 16  # an encoded form's runs of this many characters are masked even when cut short
_MIN_TOKEN = 4  # shorter strings (a mechanism name, "*") are not secrets
_COMMANDS = ("EHLO", "HELO", "NOOP", "RSET", "QUIT", "STARTTLS")  # not part of a login

_lock = threading.Lock()
_exact: set[str] = set()  # masked wherever they occur
_encoded: set[str] = set()  # base64 / hex forms: masked also in part (a truncated echo)


def _encodings(data: bytes) -> set[str]:
    """``data`` as base64 (standard, unpadded, URL-safe) and hex (both cases)."""
    b64 = base64.b64encode(data).decode("ascii")
    return {b64, b64.rstrip("="), base64.urlsafe_b64encode(data).decode("ascii"),
            data.hex(), data.hex().upper()}


def secret_forms(password: str | None, user: str | None = None) -> tuple[set[str], set[str]]:
    """(exact forms, encoded forms) of the password as the client could send it."""
    if not password:
        return set(), set()
    secret = password.encode("utf-8")
    blobs = [secret]
    for login in {user or "", ""}:
        name = login.encode("utf-8")
        blobs += [b"\0" + name + b"\0" + secret, name + b"\0" + name + b"\0" + secret]
    encoded: set[str] = set()
    for blob in blobs:
        encoded |= _encodings(blob)
    return {password}, encoded


def remember(password: str | None, user: str | None = None, *,
             sent: Iterable[str] = ()) -> None:
    """Mask from now on the password's forms and the login lines the client ``sent``."""
    exact, encoded = secret_forms(password, user)
    for line in sent:
        words = line.strip().split()
        if [w.upper() for w in words[:1]] in ([c] for c in _COMMANDS):
            continue
        for token in words[2:] if [w.upper() for w in words[:1]] == ["AUTH"] else words:
            if len(token) < _MIN_TOKEN:
                continue
            encoded.add(token)
            try:
                decoded = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                continue
            encoded |= _encodings(decoded)
            text = decoded.decode("utf-8", "replace")
            if password and password in text:
                exact.add(text)
            if "\0" in text:  # AUTH PLAIN: authorization \0 user \0 password
                exact.add(text)
                hidden = text.rsplit("\0", 1)[1]
                if len(hidden) >= _MIN_TOKEN:
                    exact.add(hidden)
                    encoded |= _encodings(hidden.encode("utf-8"))
    with _lock:
        _exact.update(f for f in exact if len(f) >= _MIN_TOKEN)
        _encoded.update(f for f in encoded if len(f) >= _MIN_TOKEN)


def forget() -> None:
    """Drop every remembered form (tests; a long-lived process after its send)."""
    with _lock:
        _exact.clear()
        _encoded.clear()


def _fragments(text: str, forms: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` that are runs of at least ``_FRAGMENT`` characters of a form."""
    grams: set[str] = set()
    for form in forms:
        if len(form) >= _FRAGMENT:
            grams.update(form[i:i + _FRAGMENT] for i in range(len(form) - _FRAGMENT + 1))
    spans: list[tuple[int, int]] = []
    if not grams:
        return spans
    for start in range(len(text) - _FRAGMENT + 1):
        if text[start:start + _FRAGMENT] in grams:
            end = start + _FRAGMENT
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def scrub(text: str, password: str | None = None, user: str | None = None) -> str:
    """``text`` with every form of the password (given, or remembered) masked."""
    exact, encoded = secret_forms(password, user)
    with _lock:
        exact |= _exact
        encoded |= _encoded
    if not exact and not encoded:
        return text
    for form in sorted(exact | encoded, key=len, reverse=True):
        text = text.replace(form, MASK)
    spans = _fragments(text, encoded)
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text


def scrub_value(value: Any, password: str | None = None, user: str | None = None) -> Any:
    """A JSON-like value (a log record) with :func:`scrub` applied to every string in it."""
    if isinstance(value, str):
        return scrub(value, password, user)
    if isinstance(value, Mapping):
        return {k: scrub_value(v, password, user) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_value(v, password, user) for v in value]
    return value
