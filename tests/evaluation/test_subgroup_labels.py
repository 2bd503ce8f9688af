"""Readable subgroup names and bands, and the group-count rule for trusting group-level CIs.

Hand-worked: quartile band (4.75, 8.5] reads "> 4.75 and ≤ 8.5"; the open outer bands read
"≤ 4.75" and "> 12.25". A test split with 29 patients is below the 30-group rule; 30 patients
with 9 positives is below the 10-positive rule; 30 with 10 passes both.
"""

from __future__ import annotations

import math

from core.evaluation.groups import MIN_GROUPS_FOR_CI, MIN_POSITIVE_GROUPS_FOR_CI, few_groups
from core.evaluation.subgroups import band_label, column_label


def test_bands_read_as_words_with_open_outer_bands():
    assert band_label(-math.inf, 4.75) == "\u2264 4.75"
    assert band_label(4.75, 8.5) == "> 4.75 and \u2264 8.5"
    assert band_label(12.25, math.inf) == "> 12.25"


def test_known_columns_are_explained_and_others_lose_their_underscores():
    assert column_label("x") == "x: patch position on the slide (px)"
    assert column_label("magnification") == "magnification"
    assert column_label("age_group") == "age group"


def test_too_few_groups_or_positive_groups_is_said_with_the_counts():
    assert (MIN_GROUPS_FOR_CI, MIN_POSITIVE_GROUPS_FOR_CI) == (30, 10)
    assert "only 29 patients/lesions" in few_groups(29, 15)
    assert "only 9 positive patients/lesions" in few_groups(30, 9)
    assert few_groups(30, 10) is None
    assert "only 0 patients" in few_groups(0, 0)
