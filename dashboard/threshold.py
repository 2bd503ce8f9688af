"""One decision-threshold control for a whole page, and the same choice on every other page.

Why one control: a clinician compares runs *at one decision rule*.  If the confusion matrices,
the operating points on the ROC and PR curves and the metrics table each had a threshold of
their own, two panels could silently show two different rules.

The rule is either a fixed value for all runs (the "0.5" preset or the free slider) or a
method applied to each run's **validation** split (Youden's J, sensitivity >= 0.95,
specificity >= 0.95): the threshold is chosen there, per run, and applied frozen to test, so
no test number is tuned on test (:meth:`core.evaluation.RunEvaluation.choose_threshold`).

Contract shared with the other pages (the Explain page reads the same state):

``st.session_state["lesionlab.threshold"]``
    ``{"mode": "fixed" | "youden" | "sensitivity" | "specificity", "value": float | None}``;
    ``value`` is the threshold for ``fixed``, the target (0.95) for sensitivity / specificity
    and ``None`` for youden.  Written by :func:`threshold_control`; survives page switches.
Query parameter ``t``
    the same rule in a shareable URL: ``t=0.42`` (fixed), ``t=youden``,
    ``t=sensitivity:0.95``, ``t=specificity:0.95``.  A ``t`` present when a page opens (a
    pasted link, a ``st.page_link`` with ``query_params``) wins over the session state; later
    only a ``t`` this session never wrote does (see :mod:`dashboard.urlstate` for why).
:func:`threshold_control(evaluations, key=...) <threshold_control>`
    draws the control and returns ``{name: threshold}`` for the given evaluations (names are
    whatever the caller keys them by, e.g. run ids).  Call it inside an ``st.fragment`` that
    also draws everything that depends on the threshold.
:func:`current_thresholds(evaluations) <current_thresholds>`
    the same mapping without drawing anything (for a page that only reads the rule).

Runs whose validation split cannot support a preset (no ``val`` rows, a single class there)
fall back to 0.5, and the control says so next to that run.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Mapping

import pandas as pd
import streamlit as st

from core.evaluation import EvaluationError, RunEvaluation
from dashboard import urlstate
from dashboard.text import literal, md, plain_table

__all__ = [
    "STATE_KEY",
    "PARAM",
    "ThresholdState",
    "ResolvedThreshold",
    "parse_param",
    "current_state",
    "resolve_thresholds",
    "current_thresholds",
    "threshold_control",
    "one_threshold",
]

STATE_KEY = "lesionlab.threshold"
PARAM = "t"
DEFAULT_FIXED = 0.5
FALLBACK = 0.5

PRESET_FIXED = "0.5"
PRESET_YOUDEN = "Youden's J (val)"
PRESET_SENS = "Sensitivity 0.95 (val)"
PRESET_SPEC = "Specificity 0.95 (val)"
PRESET_FREE = "Free value"
PRESETS = (PRESET_FIXED, PRESET_YOUDEN, PRESET_SENS, PRESET_SPEC, PRESET_FREE)


@dataclass(frozen=True)
class ThresholdState:
    """The rule, not the numbers: resolved per run by :func:`resolve_thresholds`."""

    mode: str = "fixed"
    value: float | None = DEFAULT_FIXED

    def __post_init__(self) -> None:
        if self.mode not in ("fixed", "youden", "sensitivity", "specificity"):
            raise ValueError(f"unknown threshold mode {self.mode!r}")

    def as_dict(self) -> dict:
        return {"mode": self.mode, "value": self.value}

    def to_param(self) -> str:
        if self.mode == "fixed":
            return f"{float(self.value):.4g}"
        if self.mode == "youden":
            return "youden"
        return f"{self.mode}:{float(self.value):g}"

    @property
    def preset(self) -> str:
        """The radio option showing this rule."""
        if self.mode == "youden":
            return PRESET_YOUDEN
        if self.mode == "sensitivity" and self.value == 0.95:
            return PRESET_SENS
        if self.mode == "specificity" and self.value == 0.95:
            return PRESET_SPEC
        if self.mode == "fixed" and self.value == DEFAULT_FIXED:
            return PRESET_FIXED
        return PRESET_FREE

    @property
    def description(self) -> str:
        if self.mode == "fixed":
            return f"fixed threshold {float(self.value):.3f} for every run"
        if self.mode == "youden":
            return ("Youden's J (sensitivity + specificity − 1) maximised on each run's "
                    "validation split")
        which = "highest" if self.mode == "sensitivity" else "lowest"
        return (f"{which} threshold with {self.mode} ≥ {float(self.value):g} on each run's "
                "validation split")


@dataclass(frozen=True)
class ResolvedThreshold:
    """One run's threshold under the current rule, and how it was obtained."""

    threshold: float
    source: str  # "fixed", "validation" or "fallback"
    note: str = ""


def parse_param(text: str | None) -> ThresholdState | None:
    """The rule in a ``t`` query parameter; ``None`` when absent; ``ValueError`` when malformed."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip().lower()
    if raw == "youden":
        return ThresholdState("youden", None)
    if ":" in raw:
        mode, _, target = raw.partition(":")
        if mode not in ("sensitivity", "specificity"):
            raise ValueError(f"unknown threshold rule {text!r}")
        value = float(target)
        if not 0.0 < value <= 1.0:
            raise ValueError(f"the {mode} target must be in (0, 1], got {target}")
        return ThresholdState(mode, value)
    value = float(raw)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"a fixed threshold must be a number in [0, 1], got {text!r}")
    return ThresholdState("fixed", value)


def _state_from_dict(d: Mapping | None) -> ThresholdState | None:
    if not isinstance(d, Mapping):
        return None
    try:
        return ThresholdState(str(d.get("mode")), d.get("value"))
    except ValueError:
        return None


def _url_state() -> tuple[ThresholdState | None, str | None, str | None]:
    """``(state, raw t, error)`` from the URL."""
    raw = st.query_params.get(PARAM)
    if raw is None:
        return None, None, None
    try:
        return parse_param(raw), raw, None
    except ValueError as exc:
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        return None, raw, f"Ignored the threshold in the link (t={shown!r}): {exc}. Using 0.5."


def current_state() -> ThresholdState:
    """The rule in force: a ``t`` in the URL this session did not write, else the session's
    rule, else the URL's, else fixed 0.5."""
    url, raw, _ = _url_state()
    if url is not None and urlstate.arrived(PARAM, first_render=False) is not None:
        return url
    session = _state_from_dict(st.session_state.get(STATE_KEY))
    if session is not None:
        return session
    return url or ThresholdState()


# Choices depend only on the (immutable, cached) evaluation and the rule: remember them per
# evaluation object so a slider move never rescans the validation split.
_CHOICES: "weakref.WeakKeyDictionary[RunEvaluation, dict]" = weakref.WeakKeyDictionary()


def _choose(ev: RunEvaluation, state: ThresholdState) -> ResolvedThreshold:
    memo = _CHOICES.setdefault(ev, {})
    key = (state.mode, state.value)
    if key not in memo:
        try:
            target = None if state.mode == "youden" else state.value
            choice = ev.choose_threshold(state.mode, target)
            memo[key] = ResolvedThreshold(choice.threshold, "validation", choice.label)
        except EvaluationError as exc:
            memo[key] = ResolvedThreshold(FALLBACK, "fallback",
                                          f"no validation-based threshold ({exc}); 0.5 used")
    return memo[key]


def resolve_thresholds(
    evaluations: Mapping[str, RunEvaluation], state: ThresholdState
) -> dict[str, ResolvedThreshold]:
    """Each run's threshold under ``state`` (validation-chosen, fixed, or a stated fallback)."""
    if state.mode == "fixed":
        return {name: ResolvedThreshold(float(state.value), "fixed") for name in evaluations}
    return {name: _choose(ev, state) for name, ev in evaluations.items()}


def current_thresholds(evaluations: Mapping[str, RunEvaluation]) -> dict[str, float]:
    """``{name: threshold}`` under the rule in force, drawing nothing."""
    resolved = resolve_thresholds(evaluations, current_state())
    return {name: r.threshold for name, r in resolved.items()}


def one_threshold(resolved: Mapping[str, ResolvedThreshold]) -> float | None:
    """The threshold every run uses, or ``None`` when runs use different ones (a validation
    preset chooses per run) or there are no runs: what the disabled slider may show."""
    values = {r.threshold for r in resolved.values()}
    return values.pop() if len(values) == 1 else None


def _free_slider(evaluations: Mapping[str, RunEvaluation], preset: str, key: str) -> float:
    """The free-value slider, live only under "Free value".

    Why: a slider that stays movable under a preset invites reading its (old) value as the
    rule in force.  Under a preset it is disabled and shows the threshold in use; when the
    runs use different thresholds (a validation preset) it is replaced by a sentence, since no
    single value on it would be true.  ``<key>.last`` remembers the last value shown, because
    Streamlit forgets a widget's state on a run that does not draw it.
    """
    value_key, last_key = f"{key}.value", f"{key}.value.last"
    free = preset == PRESET_FREE
    if not free:
        in_use = one_threshold(resolve_thresholds(evaluations,
                                                  _state_from_widgets(preset, DEFAULT_FIXED)))
        if in_use is None:
            st.caption("Free threshold: off; under this rule each run has its own threshold "
                       "(see the table). Choose 'Free value' to set one for every run.")
            return float(st.session_state.get(last_key, DEFAULT_FIXED))
        st.session_state[value_key] = in_use
    elif value_key not in st.session_state:
        st.session_state[value_key] = float(st.session_state.get(last_key, DEFAULT_FIXED))
    value = st.slider(
        "Free threshold (one value for every run)", min_value=0.0, max_value=1.0,
        step=0.01, key=value_key, disabled=not free,
        help="Choose 'Free value' above to move it; under a preset it shows the threshold "
             "in use.",
    )
    st.session_state[last_key] = float(value)
    return value


def _state_from_widgets(preset: str, value: float) -> ThresholdState:
    if preset == PRESET_YOUDEN:
        return ThresholdState("youden", None)
    if preset == PRESET_SENS:
        return ThresholdState("sensitivity", 0.95)
    if preset == PRESET_SPEC:
        return ThresholdState("specificity", 0.95)
    if preset == PRESET_FIXED:
        return ThresholdState("fixed", DEFAULT_FIXED)
    return ThresholdState("fixed", round(float(value), 4))


def _store(state: ThresholdState) -> None:
    st.session_state[STATE_KEY] = state.as_dict()
    urlstate.write(PARAM, state.to_param())


def threshold_table(
    resolved: Mapping[str, ResolvedThreshold], names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """run, threshold, how — what the control shows next to itself."""
    rows = []
    for key, r in resolved.items():
        how = {"fixed": "fixed", "validation": r.note, "fallback": r.note}[r.source]
        rows.append({"run": (names or {}).get(key, key), "threshold": round(r.threshold, 4),
                     "how": how})
    return pd.DataFrame(rows, columns=["run", "threshold", "how"])


def threshold_control(
    evaluations: Mapping[str, RunEvaluation],
    *,
    key: str = "threshold",
    names: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """Draw the control (presets, free slider, per-run thresholds); return ``{name: threshold}``.

    ``names`` maps the evaluation keys to display names for the per-run table.
    """
    preset_key, value_key = f"{key}.preset", f"{key}.value"
    url, raw, error = _url_state()
    if error:
        st.warning(literal(error))
    first_render = preset_key not in st.session_state
    external = url is not None and urlstate.arrived(PARAM, first_render=first_render) is not None
    if external or first_render:
        state = url if external else current_state()
        st.session_state[preset_key] = state.preset
        if state.mode == "fixed":
            st.session_state[value_key] = float(state.value)
        elif value_key not in st.session_state:
            st.session_state[value_key] = DEFAULT_FIXED
    left, right = st.columns([3, 2], vertical_alignment="top")
    with left:
        preset = st.radio(
            "Decision threshold", PRESETS, key=preset_key, horizontal=True,
            help="Presets marked (val) are chosen on each run's validation split and then "
                 "applied unchanged to test. A case is called positive when its score ≥ the "
                 "threshold.",
        )
        value = _free_slider(evaluations, preset, key)
    state = _state_from_widgets(preset, value)
    _store(state)
    resolved = resolve_thresholds(evaluations, state)
    with right:
        st.caption(md("Rule: {rule}.", rule=state.description))
        if resolved:
            st.dataframe(plain_table(threshold_table(resolved, names)), hide_index=True,
                         width="stretch", height=min(38 + 35 * len(resolved), 250),
                         placeholder="–")
    fallbacks = [(names or {}).get(k, k) for k, r in resolved.items() if r.source == "fallback"]
    if fallbacks:
        st.warning(md("No validation-based threshold for {runs}: 0.5 is used for them (see the "
                      "table).", runs=", ".join(fallbacks)))
    return {name: r.threshold for name, r in resolved.items()}
