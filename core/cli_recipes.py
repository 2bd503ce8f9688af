"""``python -m core models --show NAME``: one model's two recipes, every field, and their notes.

A user who wants to change a recipe with ``--set FIELD=VALUE`` first needs to see what it holds:
the study's values (paper) beside the CPU-sized ones (quick), with the fields that differ marked,
and the notes that say where each value comes from. Values are printed as they would be typed
back after ``--set`` (``none``, ``0.001``).
"""

from __future__ import annotations

import textwrap
from dataclasses import fields

from models import ModelEntry, Recipe
from models.overrides import SETTABLE, format_value

WIDTH = 100


def show_entry(entry: ModelEntry) -> str:
    """The text ``models --show`` prints for ``entry``."""
    lines = [f"{entry.name} — {entry.title}",
             *textwrap.wrap(entry.citation, WIDTH, initial_indent="  ",
                            subsequent_indent="  "),
             f"  head {entry.head} · family {entry.family} · smallest input "
             f"{entry.min_input_size} px · ImageNet weights "
             f"{'available' if entry.supports_imagenet else 'not available'} · preprocessing "
             f"{entry.preprocessing}",
             "", *recipe_table(entry.paper, entry.quick), ""]
    paper, quick = entry.paper.notes, entry.quick.notes
    if paper and quick.startswith(paper) and quick != paper:  # quick = paper's notes + more
        quick = "(the paper notes, then:) " + quick[len(paper):].strip()
    for profile, notes in (("paper", paper), ("quick", quick)):
        lines.append(f"notes ({profile}):")
        lines.extend(textwrap.wrap(notes or "(none)", WIDTH, initial_indent="  ",
                                   subsequent_indent="  "))
    lines += ["", "* marks the fields where quick differs from paper. Change any field for a "
              "grid with", "--set FIELD=VALUE (python -m core run ...) or the Train page's "
              "Advanced box."]
    return "\n".join(lines)


def recipe_table(paper: Recipe, quick: Recipe) -> list[str]:
    """Every settable field, one line each: name, paper value, quick value."""
    names = [f.name for f in fields(Recipe) if f.name in SETTABLE]
    rows = [(name, format_value(getattr(paper, name)), format_value(getattr(quick, name)))
            for name in names]
    w0 = max(len(r[0]) for r in rows) + 2
    w1 = max(len("paper"), *(len(r[1]) for r in rows)) + 2
    out = [f"  {'field':<{w0}}{'paper':<{w1}}quick"]
    for name, a, b in rows:
        out.append(f"{'*' if a != b else ' '} {name:<{w0}}{a:<{w1}}{b}")
    return out
