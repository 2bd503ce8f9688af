"""Saliency maps for a single image: which pixels drove the model's decision.

Five methods behind one interface (``Explainer.explain``), each a thin wrapper of the matching
tf-keras-vis class, plus sanity checks (model randomization, deletion curve) that tell whether a
map can be trusted, and an overlay for display. No Streamlit here: the Explain page calls this.

Typical use::

    explainer = get_explainer(model, "gradcam", head=entry.head,
                              penultimate_layer=entry.last_conv_layer)
    maps = explainer.explain(images)                 # (B, S, S) in [0, 1]
    png = to_png_bytes(overlay_heatmap(image, maps[0], opacity=0.45))
"""

from __future__ import annotations

from core.saliency.base import Explainer
from core.saliency.cams import GradCAM, GradCAMPlusPlus
from core.saliency.control import ProgressFn
from core.saliency.errors import SaliencyCancelled, SaliencyError
from core.saliency.gradients import SmoothGrad, VanillaSaliency
from core.saliency.overlay import (DEFAULT_COLORMAP, SCALE_ENDS, colorize, colour_scale_strip,
                                   overlay_heatmap, to_png_bytes, with_colour_scale)
from core.saliency.registry import (METHODS, clear_explainer_cache, explainer_cache_info,
                                    get_explainer)
from core.saliency.sanity import (DeletionCurve, RandomizationCheck, deletion_curve,
                                  randomization_check, randomized_copy)
from core.saliency.scorecam import ScoreCAM

__all__ = [
    "DEFAULT_COLORMAP", "METHODS", "SCALE_ENDS", "DeletionCurve", "Explainer", "GradCAM",
    "GradCAMPlusPlus", "ProgressFn",
    "RandomizationCheck", "SaliencyCancelled", "SaliencyError", "ScoreCAM", "SmoothGrad",
    "VanillaSaliency", "clear_explainer_cache", "colorize", "colour_scale_strip",
    "deletion_curve",
    "explainer_cache_info", "get_explainer", "overlay_heatmap", "randomization_check",
    "randomized_copy", "to_png_bytes", "with_colour_scale",
]
