"""The training images' typical size that the run record keeps (hand-worked medians)."""

from __future__ import annotations

from core.store.record import RunRecord
from core.training.image_sizes import size_summary


def test_medians_of_width_height_and_aspect_ignore_unreadable_files():
    # widths 40, 50, 60 (and a 0x0 unreadable file); heights 40, 25, 60: aspects 1, 2, 1
    summary = size_summary([40, 0, 50, 60], [40, 0, 25, 60])
    assert summary == {"median_width": 50.0, "median_height": 40.0, "median_aspect": 1.0,
                       "images": 3}
    assert size_summary([0], [0]) is None and size_summary([], []) is None


def test_the_record_view_reads_the_summary_and_tolerates_its_absence():
    summary = size_summary([40, 50, 60], [40, 25, 60])
    view = RunRecord.from_dict({"data": {"image_size": summary}})
    assert (view.data.image_size.median_width, view.data.image_size.median_aspect) == (50, 1)
    for missing in ({}, {"data": {"image_size": None}},
                    {"data": {"image_size": {"median_width": "x", "median_height": 3}}}):
        assert RunRecord.from_dict(missing).data.image_size is None
