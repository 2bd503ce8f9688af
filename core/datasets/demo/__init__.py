"""Embedded ``demo`` dataset: SYNTHETIC breast-histology-like patches, generated on first use.

THE IMAGES ARE SYNTHETIC. No patient, slide or real tissue is behind any of them; the "patient
ids" are random numbers. They exist so that Lesionlab opens on a fresh machine, without any
download, with a dataset that behaves like the Kaggle "Breast Histopathology Images" (IDC)
dataset: same folder layout and file names, 50x50 RGB PNG patches, patient ids, about one
malignant (IDC-positive, class 1) patch for three benign (class 0) patches, some patients with
no malignant patch at all. Results obtained on it say nothing about real tissue.

How the patches are made (numpy + Pillow only, fully deterministic for a given seed):

* Plan. Each patient gets a numeric id, a virtual slide (a grid of 50 px cells) and a number of
  malignant patches. The malignant counts are spread unevenly over patients (about a quarter of
  the patients have none) and then scaled so that the whole dataset is 1 malignant : 3 benign.
  Malignant patches are the cells nearest a "tumour centre" on the slide, benign patches are
  drawn from the rest, so the ``x``/``y`` offsets in the names are spatially coherent.
* Stain model. A patch is painted as two stain concentration maps, hematoxylin (nuclei) and
  eosin (stroma, cytoplasm), mixed with the Beer-Lambert law using standard H&E optical-density
  vectors (Ruifrok & Johnston 2001): ``rgb = I0 * exp(-(h * H + e * E))``. Every patient gets
  its own perturbed stain vectors and stain strengths (inter-slide stain variation); every patch
  gets brightness jitter, a slight blur and sensor-like noise.
* Tissue. Eosin-pink stroma with smooth and fibrous (anisotropic) texture; white fat vacuoles;
  benign ducts (a lumen ringed by regular nuclei); spindle-shaped fibroblast nuclei aligned with
  the fibres; small dark round lymphocytes.
* Atypia. Each patch has a latent atypia score ``s`` in [0, 1]. Benign patches mostly have a low
  ``s``, malignant ones a high ``s``, but the two distributions OVERLAP on purpose (atypical
  benign patches, e.g. hyperplasia or inflamed tissue, and mild low-grade tumour patches).
  ``s`` drives the nuclear count (density), size, pleomorphism (variable size and shape),
  hyperchromasia (darker nuclei), crowding into clusters and the amount of fat. Benign nuclei
  are few, small, regular and evenly spread; malignant ones dense, large, irregular and dark.
  The overlap keeps a small CNN well above 0.9 test AUC but away from a trivial 1.0
  (see ``benchmarks/check_demo_learnability.py``).

Writing is atomic and idempotent (:mod:`core.datasets.demo.files`). The package: ``plan``
(patients, positions, labels), ``texture`` (pixels), ``files`` (writing and verifying).
"""

from core.datasets.demo.files import (
    MARKER_NAME,
    PATCH_NAME_RE,
    generate_demo,
    is_demo_complete,
    read_marker,
    verify_demo,
)
from core.datasets.demo.plan import (
    DEFAULT_N_PATIENTS,
    DEFAULT_PATCHES_PER_PATIENT,
    DEFAULT_SEED,
    DEMO_VERSION,
    MALIGNANT_FRACTION,
    PATCH_SIZE,
    DemoPatch,
    plan_demo,
)
from core.datasets.demo.texture import render_patch

__all__ = [
    "DEMO_VERSION",
    "DEFAULT_SEED",
    "DEFAULT_N_PATIENTS",
    "DEFAULT_PATCHES_PER_PATIENT",
    "MALIGNANT_FRACTION",
    "MARKER_NAME",
    "PATCH_SIZE",
    "PATCH_NAME_RE",
    "DemoPatch",
    "plan_demo",
    "render_patch",
    "generate_demo",
    "is_demo_complete",
    "read_marker",
    "verify_demo",
]
