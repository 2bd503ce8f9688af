"""A setting's name as the Datasets form shows it, for messages a user of the form reads.

A message that says ``positive_class`` speaks to the TOML file; the person who filled the form
saw "Positive class". Messages name the form's label and keep the key in parentheses for the
TOML and command-line user: "Positive class (positive_class)". The label is taken from the
form rows themselves (:mod:`core.datasets.loaders`, :mod:`core.datasets.common`), so renaming a
control renames it in every message.
"""

from __future__ import annotations

from functools import cache


def named(setting: str, kind: str | None = None) -> str:
    """``"<form label> (<setting>)"``; the bare setting when no form control sets it.

    ``kind``: whose label to use for a setting labelled per kind (``path`` is "Folder of the
    dataset" for folders, "Path of the .npz file" for medmnist); without it, the first kind's.
    """
    label = form_label(setting, kind)
    return f"{label} ({setting})" if label else setting


def form_label(setting: str, kind: str | None = None) -> str | None:
    """The form's short label of ``setting`` (see :func:`named`); None when no control sets
    it."""
    return _labels(kind).get(setting) or _labels(None).get(setting)


def short_label(label: str) -> str:
    """The label without its trailing hint: a final parenthetical, then anything after the
    first ", " ("Label mapping, one raw=class per line (optional)" -> "Label mapping")."""
    text = label.strip()
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                text = text[:i].rstrip()
                break
    return text.split(", ")[0]


@cache
def _labels(kind: str | None) -> dict[str, str]:
    """Setting -> short label over the forms of ``kind`` (None: every declarable kind, the
    first label of a setting winning)."""
    # Imported here: the loaders import core.datasets.table, whose messages use named().
    from core.datasets.formvalues import form_rows
    from core.datasets.loaders import KINDS, declarable_kinds

    kinds = declarable_kinds() if kind is None or kind not in KINDS else (kind,)
    out: dict[str, str] = {}
    for name in kinds:
        for row in form_rows(name):
            for ask in row.asks:
                out.setdefault(ask.setting, short_label(ask.label))
    return out
