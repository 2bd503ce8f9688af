"""Errors: the test images a run gets wrong at the current threshold, false negatives first.

Layout only. The run is in the URL (``?run=<id>``), the threshold is the shared control, the
page number is ``?page=``; each error links to the Explain page with ``run``, ``sample`` and
the image's true ``class`` (its saliency maps explain the class the model missed).

An external evaluation (a run's model on another dataset, ``?eval=<id>``) takes the run's
place when chosen: its errors are the TARGET images it gets wrong, pictured from the target
dataset, at thresholds chosen on the source run's validation split and frozen. Each links to
Explain with ``eval`` and ``sample``: the source run's model on that target image. A multiclass
run's evaluation is shown one class against the others (``?class=``), as a multiclass run is.
"""

from __future__ import annotations

import math

import streamlit as st

from core.evaluation import (FALSE_NEGATIVE, FALSE_POSITIVE, EvaluationError,
                             binary_class_names, misclassified)
from core.errors import LesionlabError
from core.store import StoreError
from dashboard import data
from dashboard.damage import show_read_problem
from dashboard.details import warnings_banner
from dashboard.downloads import csv_button
from dashboard.errors import (CLASS_PARAM, EXTERNAL_PARAM, evaluation_selectbox,
                              explain_query, thumbnail)
from dashboard.evaluations import Selection, external_record, external_run_record
from dashboard.text import literal, md, visible
from dashboard.runs import empty_store, ok_runs, run_names, run_selectbox
from dashboard.threshold import current_state, threshold_control

KEY = "errors"
CLASS_KEY = "class"
PAGE_SIZE = 12
COLUMNS = 4


def _latest(runs):
    return runs.sort_values("created_at")["run_id"].tolist()[-1:]


@st.fragment
def errors_view(run_id: str, name: str, ev, class_names: tuple[str, str], dataset: str,
                classes: list[str], external: bool = False) -> None:
    """The gallery of ``run_id`` (a run, or an external evaluation: then ``external`` is True,
    the images come from its target ``dataset`` and their links name the evaluation)."""
    thresholds = threshold_control({run_id: ev}, key=f"{KEY}.threshold", names={run_id: name})
    t = thresholds[run_id]
    table = misclassified(ev, t, class_names)
    n_fn = int((table["kind"] == FALSE_NEGATIVE).sum())
    n_fp = int((table["kind"] == FALSE_POSITIVE).sum())
    neg, pos = class_names  # from folder names: outside text
    st.subheader(md("{n} of {total} test images misclassified at threshold {t:.3f}",
                    n=len(table), total=ev.test.n, t=t))
    st.markdown(md("**{n_fn}** false negatives (**{pos}** called {neg}: missed) · "
                   "**{n_fp}** false positives ({neg} called **{pos}**)",
                   n_fn=n_fn, n_fp=n_fp, pos=pos, neg=neg))
    kinds = st.multiselect("Show", [FALSE_NEGATIVE, FALSE_POSITIVE],
                           default=[FALSE_NEGATIVE, FALSE_POSITIVE], key=f"{KEY}.kinds")
    shown = table[table["kind"].isin(kinds)].reset_index(drop=True)
    csv_button(table, label="All misclassified images (CSV)",
               file_name=f"lesionlab-errors-{run_id[:8]}.csv", key=f"{KEY}.csv")
    if shown.empty:
        st.success("No misclassified test images of the chosen kind at this threshold.")
        return
    pages = max(1, math.ceil(len(shown) / PAGE_SIZE))
    if st.session_state.get("page", 1) > pages:
        st.session_state["page"] = 1
    page = st.pagination(pages, key="page", bind="query-params") if pages > 1 else 1
    start = (page - 1) * PAGE_SIZE
    st.caption(md("Images {first}–{last} of {n}, sorted: false negatives first, most "
                  "confidently wrong first. Score = probability of {pos}.", first=start + 1,
                  last=min(start + PAGE_SIZE, len(shown)), n=len(shown), pos=pos))
    rule = current_state().to_param()
    cells = st.columns(COLUMNS)
    for k, row in enumerate(shown.iloc[start:start + PAGE_SIZE].itertuples(index=False)):
        with cells[k % COLUMNS]:
            with st.container(border=True):
                image, why = thumbnail(dataset, row.sample_id)
                if image is not None:
                    st.image(image, width="stretch")
                else:
                    st.caption(md("No image: {why}", why=why))
                st.markdown(md("**{kind}** · true **{label}**  \nscore {score:.4f} (threshold "
                               "{t:.4f})", kind=row.kind, label=row.true_label,
                               score=row.score, t=row.threshold))
                st.caption(literal(row.sample_id))  # a file name: shown literally
                query = explain_query(run_id, row.sample_id, row.true_label, classes, rule,
                                      external=external)
                st.page_link("pages/explain.py", label="Explain this image",
                             icon=":material/image_search:", query_params=query,
                             help=md("Saliency maps for its true class, {label}", label=
                                     row.true_label) if CLASS_PARAM in query else None)


def one_vs_rest_class(classes: list[str]) -> int:
    """The class a multiclass run's errors are shown for, against all the others (in the URL
    as ``?class=``, so the view can be shared)."""
    if st.session_state.get(CLASS_KEY) not in classes:  # another run's class, or none yet
        st.session_state.pop(CLASS_KEY, None)
    chosen = st.selectbox("Class shown against the others (one-vs-rest)", classes,
                          key=CLASS_KEY, bind="query-params", format_func=visible,
                          help="A multiclass run calls the most probable class; here one class "
                               "is scored against all the others, with the threshold below.")
    st.info(md("Multiclass run: errors are shown for {cls} against the other classes "
               "(one-vs-rest at the threshold). Pick another class above.", cls=chosen))
    return classes.index(chosen)


def external_errors(eid: str, name: str) -> None:
    """An external evaluation's gallery: the target images its source model gets wrong."""
    try:
        result = data.load_external(eid)
        record = external_run_record(result.evaluation)
        target = external_record(eid).dataset
    except StoreError as exc:  # damaged since it was listed: named, with the fix
        show_read_problem(name, exc)
        st.stop()
    except (LesionlabError, OSError, ValueError, KeyError) as exc:
        st.error(md("{name} cannot be evaluated: {exc}", name=name, exc=exc))
        st.stop()
    warnings_banner(Selection(ids=[eid], names={eid: name}, colours={}, records={eid: record}))
    classes = list(record.class_names or ["negative", "positive"])
    ev = result.run_evaluation
    if ev is None:  # multiclass: the user picks the class, as for a run's own errors
        try:
            ev = data.load_external_one_vs_rest(eid, one_vs_rest_class(classes))
        except StoreError as exc:
            show_read_problem(name, exc)
            st.stop()
        except (LesionlabError, OSError, ValueError, KeyError) as exc:
            st.error(md("{name} cannot be evaluated for this class: {exc} Pick another class "
                        "above.", name=name, exc=exc))
            st.stop()
    st.caption(md("External evaluation: the test images below are {target}'s. Every threshold "
                  "rule is chosen on the source run's validation split and frozen; the "
                  "external set never tunes it.", target=target))
    errors_view(eid, name, ev, binary_class_names(classes, ev.positive_index), str(target),
                classes, external=True)


st.title("Errors")
st.caption("Which test images does a model get wrong at the chosen threshold? Missed cancers "
           "(false negatives) first.")
runs = ok_runs()
if runs.empty:
    empty_store()
    st.stop()
run_id = run_selectbox(runs, key=KEY, default=_latest)
eid, eval_names = evaluation_selectbox()
if eid is not None:
    st.caption(md("Showing the external evaluation chosen below the run; clear it ({param}) "
                  "to see the run's errors.", param=EXTERNAL_PARAM))
    external_errors(eid, eval_names[eid])
    st.stop()
if run_id is None:
    st.info("Choose a run above.")
    st.stop()
names = run_names(runs)
try:
    record = data.load_run_record(run_id)
except StoreError as exc:  # a damaged run: named, with the fix; the picker stays usable
    show_read_problem(names[run_id], exc)
    st.stop()
sel = Selection(ids=[run_id], names={run_id: names[run_id]}, colours={},
                records={run_id: record})
warnings_banner(sel)
classes = list(record.class_names or ["negative", "positive"])
pos_index = record.positive_index
if pos_index is None:  # multiclass: no positive class of its own, the user picks one
    pos_index = one_vs_rest_class(classes)
try:
    ev = data.load_evaluation(run_id, positive_index=pos_index)
except StoreError as exc:
    show_read_problem(names[run_id], exc)
    st.stop()
except EvaluationError as exc:
    st.error(md("{name} cannot be evaluated: {exc}", name=names[run_id], exc=exc))
    st.stop()
dataset = str(runs.set_index("run_id").loc[run_id, "dataset"])
errors_view(run_id, names[run_id], ev, binary_class_names(classes, pos_index), dataset,
            classes)
