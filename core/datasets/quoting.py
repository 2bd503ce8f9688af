"""How a message may quote a value that came from a user's file or settings.

Messages end up on the Datasets page, the Train page and the terminal. A value read from a
label table is the file's content: if the "table" is really ``/etc/passwd`` or a ``.env`` file,
echoing its cells would leak it, and a cell of 10 MB or one holding terminal escapes would
flood or garble the message. So a value is quoted only when it is short and printable, and is
otherwise described by its kind and length; the loaders use this for every column name, label,
split name, path and id they mention.
"""

from __future__ import annotations

from typing import Iterable

#: Longest value quoted as it is.
LIMIT = 60


def shown(value: object, limit: int = LIMIT) -> str:
    """``repr`` of short printable text and of numbers; anything else described, not echoed."""
    if value is None or isinstance(value, bool):
        return {None: "nothing", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= limit else f"a number of {len(text)} characters"
    if isinstance(value, str):
        if len(value) <= limit and value.isprintable():
            return repr(value)
        return f"<a text of {len(value)} characters, not shown>"
    return {dict: "a table", list: "a list", tuple: "a list"}.get(type(value),
                                                                 f"a {type(value).__name__}")


def shown_all(values: Iterable[object], most: int = 10) -> str:
    """Up to ``most`` values, each through :func:`shown`, then how many more there are."""
    values = list(values)
    text = ", ".join(shown(v) for v in values[:most])
    return text + (f" and {len(values) - most} more" if len(values) > most else "")
