"""Whether a test set's images are clustered in patients or lesions, and how much.

Why: at image level DeLong's and the bootstrap's intervals (and the paired tests) treat every
image as an independent draw. Images of one patient share the patient's anatomy, scanner and
disease, so they are not: 300 patches of 20 patients carry far less information than 300
patients, and the image-level intervals are too narrow (how much depends on the correlation
within a patient, which nothing here estimates). The honest unit is the patient or lesion
(:mod:`core.evaluation.groups`); this says when the image level hides such clusters, so the
page can recommend that level. A group of one image is no cluster (the dataset declares no
group for it: its group is its sample id).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .frames import check_predictions

__all__ = ["ImageClustering", "image_clustering"]


@dataclass(frozen=True)
class ImageClustering:
    """The test split's images, the groups they belong to and the groups with several."""

    n_images: int
    n_groups: int
    n_clustered: int  # groups with more than one test image
    largest: int  # images in the largest group

    @property
    def clustered(self) -> bool:
        """Whether image-level intervals count some patient or lesion several times."""
        return self.n_clustered > 0

    @property
    def sentence(self) -> str:
        """What the clustering does to image-level intervals, and what to use instead."""
        return (f"the {self.n_images:,} test images come from {self.n_groups:,} patients or "
                f"lesions, {self.n_clustered:,} of them with several images (up to "
                f"{self.largest:,}); image-level CIs and paired tests treat every image as "
                "independent, so they are too narrow: evaluate per patient / lesion")


def image_clustering(predictions: pd.DataFrame) -> ImageClustering:
    """The clustering of a sample-level predictions frame's test split (by its ``group``)."""
    check_predictions(predictions)
    sizes = predictions.loc[predictions["split"] == "test", "group"].astype(str).value_counts()
    return ImageClustering(int(sizes.sum()), int(sizes.size), int((sizes > 1).sum()),
                          int(sizes.max()) if sizes.size else 0)
