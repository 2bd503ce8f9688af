"""The decision rule and the names of its two sides, written once for the whole project.

Why one module: the rule "positive when ``score >= threshold``" (the convention of
:func:`sklearn.metrics.roc_curve`) decides every confusion count, every bootstrap resample, every
misclassified image and every call the Explain page shows. Written out at each site it drifted
(``>=`` here, ``>`` there, a scalar helper with its own None handling on one page); here it is one
function, and :class:`~core.evaluation.counts.SortedScores` - which answers the same question for
many thresholds at once by binary search - is tested to agree with it, ties included.

The negative side of a binary view needs a name too: for a two-class run it is the other class;
for the one-vs-rest view of a run with more classes it is ``"not <positive>"`` (listing every
other class would make a confusion-matrix label or a call unreadable, and "not malignant" is
what the view means). Every page and figure takes the name from :func:`negative_class_name`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["DEFAULT_CLASS_NAMES", "binary_class_names", "decide", "negative_class_name"]

#: Names used when a run's record lists none (an old or hand-made record).
DEFAULT_CLASS_NAMES = ("negative", "positive")


def decide(scores: float | np.ndarray | None, threshold: float | None
           ) -> bool | np.ndarray | None:
    """Positive when ``score >= threshold``: a bool for one score, a bool array for an array.

    None when there is nothing to decide: no score (a run without a positive class) or no
    threshold. A threshold of exactly the score counts as positive; ``inf`` calls everything
    negative. A NaN threshold is refused, as :meth:`SortedScores.counts` refuses it: compared
    with ``>=`` it would call everything negative without a word.
    """
    if scores is None or threshold is None:
        return None
    t = float(threshold)
    if np.isnan(t):
        raise ValueError("threshold must not be NaN")
    decided = np.asarray(scores, dtype=np.float64) >= t
    return bool(decided) if decided.ndim == 0 else decided


def negative_class_name(class_names: Sequence[str], positive_index: int) -> str:
    """The name of everything that is not the positive class (see the module docstring)."""
    names = list(class_names)
    if not 0 <= positive_index < len(names) or len(names) < 2:
        raise ValueError(f"positive_index {positive_index} does not name one of {len(names)} "
                         "classes")
    return names[1 - positive_index] if len(names) == 2 else f"not {names[positive_index]}"


def binary_class_names(class_names: Sequence[str] | None, positive_index: int
                       ) -> tuple[str, str]:
    """``(negative name, positive name)`` of a run's binary view; a record without class names
    gets :data:`DEFAULT_CLASS_NAMES`."""
    names = tuple(class_names or DEFAULT_CLASS_NAMES)
    return negative_class_name(names, positive_index), names[positive_index]
