"""What a real browser shows, read back by JavaScript: shared by the end-to-end test and the
browser benchmark, so both read the page the same way.

``CONFUSION_COUNTS_JS`` defines ``confusionCounts()``: the Compare page's confusion table
(``st.table``, :mod:`dashboard.compare.panels.confusion`) as ``{row label: [[TN, FP],
[FN, TP]]}`` (the 2 x 2 order of ``ConfusionCounts.matrix``), each count the number before
the cell's share ("8 (80.0%)"). Labels are read as shown, without the invisible word joiners
:func:`dashboard.text.literal` may insert.
"""

import json

from core.evaluation.display import COUNT_COLUMNS

CONFUSION_COUNTS_JS = r"""
const confusionCounts = () => {
  const read = (e) => e.textContent.replace(/\u2060/g, '').trim();
  const where = WHERE;
  const out = {};
  for (const table of document.querySelectorAll('[data-testid="stTable"] table')) {
    const head = [...table.querySelectorAll('thead th')].map(read);
    if (!Object.keys(where).every((c) => head.includes(c))) continue;
    for (const tr of table.querySelectorAll('tbody tr')) {
      const row = [...tr.children].map(read);
      const m = [[0, 0], [0, 0]];
      for (const [column, [i, j]] of Object.entries(where)) {
        m[i][j] = parseFloat(row[head.indexOf(column)]);
      }
      out[row[0]] = m;
    }
  }
  return out;
};
""".replace("WHERE", json.dumps({c: list(cell) for c, cell in COUNT_COLUMNS.items()}))
