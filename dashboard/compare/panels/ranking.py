"""Who wins: configurations ordered by the chosen test metric, each adjacent pair's difference
with its CI, the plain sentence, raw and Holm-adjusted p-values, and the power note.

Every number is :func:`core.evaluation.auc_ranking.rank_by_metric`'s (configurations by
:func:`core.training.runsets.seed_groups`: a run with a single seed is its own configuration,
so with one seed each this ranks the runs). By AUC (the default, and the HTML report's) the
ranking is threshold-free; by a threshold metric each run is decided at its threshold under
the current threshold rule, so the panel follows the threshold.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from core.evaluation.auc_ranking import RANKING_METRICS, AucRanking, RankedSet, rank_by_metric
from core.evaluation.display import format_p
from dashboard import data
from dashboard.compare import configs
from dashboard.compare.context import refs
from dashboard.compare.figures import RunRef
from dashboard.compare.panel import Panel, Points
from dashboard.downloads import csv_button
from dashboard.evaluations import Selection
from dashboard.text import literal, md, plain_table

CAN = ("What these numbers support: on this test set, whether the first configuration's mean "
       "metric over seeds is higher than the next one's beyond what seeds and test-set sampling "
       "explain (the interval includes both). Holm's correction keeps the chance of any false "
       "\"A > B\" among the comparisons made at 5%.")
CANNOT = ("What they cannot support: that a configuration is best on another population, "
          "scanner or prevalence; a ranking across test sets (each shared test set is ranked on "
          "its own); \"no difference\" from \"not distinguishable\" (a small test set or few "
          "seeds hide real differences: see the power note); or a choice among thresholds "
          "(AUC ranks scores; see the decision curves).")


Tables = tuple[tuple[pd.DataFrame, pd.DataFrame], ...]
#: Per configuration, its runs (:class:`RunRef`) and their thresholds, in one order.
Runs = tuple[tuple[str, bool, tuple[RunRef, ...], tuple[float, ...]], ...]


class RankingView(NamedTuple):
    """By AUC, per shared test set: its configurations table and its adjacent-pairs table;
    ``runs`` (with the current thresholds) rank by a threshold metric when one is chosen."""

    result: AucRanking
    tables: Tables
    runs: Runs


@st.cache_resource(show_spinner="Paired bootstrap of the threshold metric…", max_entries=32)
def _by_threshold_metric(runs: Runs, metric: str) -> AucRanking:
    """Cached per runs, thresholds and metric: the bootstrap costs seconds on two cores."""
    evals = {name: [data.load_evaluation(r.run_id, r.level, r.aggregate) for r in run_refs]
             for name, _, run_refs, _ in runs}
    return rank_by_metric(evals, metric=metric, thresholds={n: t for n, _, _, t in runs},
                          cross_validated=[name for name, cv, _, _ in runs if cv])


def _tables(result: AucRanking) -> Tables:
    return tuple((_order_table(s), _pairs_table(s)) for s in result.sets)


def _order_table(ranked: RankedSet) -> pd.DataFrame:
    r = ranked.ranking
    mean = "mean_auc" if r.metric == "AUC" else f"mean_{r.metric}"
    return pd.DataFrame([{"rank": i + 1, "configuration": name, "seeds": s.n_seeds,
                          mean: s.mean, "sd": s.sd, "ci_low": s.ci.low,
                          "ci_high": s.ci.high, "ci_includes": s.scope}
                         for i, (name, s) in enumerate((n, r.summaries[n]) for n in r.order)])


def _pairs_table(ranked: RankedSet) -> pd.DataFrame:
    return pd.DataFrame([{"better": d.better, "worse": d.worse, "difference": d.difference,
                          "ci_level": 1 - d.ci_alpha, "ci_low": d.ci.low, "ci_high": d.ci.high,
                          "p_raw": d.p_value,
                          "p_holm": d.p_adjusted, "comparisons": d.n_comparisons,
                          "sentence": sentence, "power_note": power.sentence,
                          "note": d.note or ""}
                         for d, sentence, power in zip(ranked.ranking.adjacent,
                                                       ranked.ranking.sentences, ranked.power)])


class RankingPanel(Panel):
    title = "Ranking by AUC"
    tab = "Ranking"
    name = "ranking"
    stem = "lesionlab-ranking"
    follows_threshold = True  # by a threshold metric; by AUC (the report's) it does not

    def build(self, sel: Selection, ops: Points) -> RankingView:
        result = configs.ranking(sel)
        runs = tuple((c.name, c.cross_validated, refs(sel, c.run_ids),
                      tuple(ops[sel.names[rid]].threshold for rid in c.run_ids))
                     for c in configs.configurations(sel))
        return RankingView(result, _tables(result), runs)

    def draw(self, view: RankingView, sel: Selection, *, key: str) -> None:
        metric = st.selectbox("Rank by", RANKING_METRICS, key=f"{key}.{self.name}.metric",
                              help="AUC ranks the scores, threshold-free. A threshold metric "
                                   "ranks each run at its threshold (the current rule); its "
                                   "paired test is a bootstrap over the test samples.")
        if metric != "AUC":
            result = _by_threshold_metric(view.runs, metric)
            view = RankingView(result, _tables(result), view.runs)
        if not view.tables:
            st.info("No two configurations share their test samples, so none can be ranked "
                    "against another (see below).")
        for i, ((order, pairs), ranked) in enumerate(zip(view.tables, view.result.sets)):
            st.subheader(md("Test set {i}: {n} samples, {k} comparison(s) made", i=i + 1,
                            n=ranked.n_test, k=ranked.ranking.holm.n_comparisons), anchor=False)
            for sentence in ranked.ranking.sentences:
                st.markdown(literal(sentence))
            st.dataframe(placeholder="–", data=plain_table(order), hide_index=True, width="stretch")
            shown = pairs.assign(p_raw=pairs["p_raw"].map(format_p),
                                 p_holm=pairs["p_holm"].map(format_p))
            st.dataframe(placeholder="–", data=plain_table(shown), hide_index=True, width="stretch")
            csv_button(pairs, label="Adjacent differences (CSV)",
                       file_name=f"{self.stem}-{i + 1}.csv", key=f"{key}.{self.name}.csv{i}")
        for name, why in view.result.left_out.items():
            st.caption(md("Not ranked: {name}: {why}.", name=name, why=why))
        st.caption(md("Comparisons made: {k} (each adjacent pair of a ",
                      k=view.result.n_comparisons)
                   + "ranking; Holm's correction within each test set). Difference: mean "
                   "metric over seeds, better minus worse, Welch t-interval of seed and paired "
                   "test-set variance (DeLong for AUC; for a threshold metric a paired "
                   "bootstrap over the test samples, 1,000 resamples, the same for every run, "
                   "each run at its threshold) at the level Holm tested the pair at (ci_level: "
                   "95% for a single comparison, wider for several), so that it excludes 0 "
                   "exactly when the pair is called distinguishable; with one seed on a side "
                   "the seed spread is unknown and the pair is compared on this test set "
                   "only. Power note: test samples that would separate the pair at its "
                   "observed difference (80% power; optimistic, as the observed difference "
                   "may be a lucky draw).")
        st.caption(CAN)
        st.caption(CANNOT)

    def sections(self, view: RankingView):
        out = []
        for i, (order, pairs) in enumerate(view.tables):
            out += [(f"Ranking by AUC, test set {i + 1}", order),
                    (f"Adjacent differences, test set {i + 1}", pairs)]
        if out:
            out.append(("What the ranking can and cannot support", CAN + "\n\n" + CANNOT))
        return out
