"""The Compare wing: what only the comparison of stored runs needs.

Why a package: a Compare panel, its figure cache, its table rows, the level toggle and the
HTML report belong together, and a reader looking for "how does Compare draw X" finds it
here.  What other page families share (the selection loader :mod:`dashboard.evaluations`, the
threshold control :mod:`dashboard.threshold`, downloads :mod:`dashboard.downloads`) stays at
the top of :mod:`dashboard`.  The Weighting page reuses two Compare panels from here.
"""
