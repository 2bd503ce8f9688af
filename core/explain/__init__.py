"""What the Explain page computes, with no Streamlit in it: predictions, calls, maps, sanity.

``predict`` runs one run's model on decoded images exactly as training fed it;
``decision_text`` says the call at the shared threshold (:func:`core.evaluation.decide`);
``input_warnings`` says when the image or the model is far from what it trained on;
``explain`` and ``sanity_check`` compute one saliency map and both of its checks through
:mod:`core.saliency`, with progress and Stop. The page (``pages/explain.py`` and
``dashboard/explain/``) only lays these out and remembers them per session. Importing this
package does not import TensorFlow; the first prediction or map does.
"""

from __future__ import annotations

from core.explain.checks import (DELETION_VERDICT_WORDS, ProgressFn, Sanity, deletion_words,
                                 explain, randomization_words, sanity_check)
from core.explain.input_warnings import InputWarning, input_warnings
from core.explain.predict import (Prediction, RunModel, class_probabilities, decision_text,
                                  image_digest, model_inputs, predict)

__all__ = [
    "DELETION_VERDICT_WORDS", "InputWarning", "Prediction", "ProgressFn", "RunModel", "Sanity",
    "class_probabilities", "decision_text", "deletion_words", "explain", "image_digest",
    "input_warnings", "model_inputs", "predict", "randomization_words", "sanity_check",
]
