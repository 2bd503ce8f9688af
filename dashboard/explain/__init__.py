"""The Explain page's wing: everything ``pages/explain.py`` lays out, one module per part.

Why a package: the page has eight parts (inputs, predictions, threshold, saliency controls and
their computation, the overlay grid, downloads, the table formats, the per-session memory) that
belong together and nowhere else. ``core.explain`` computes; these modules only lay out and
remember per session. Importing the package imports none of its modules (the page imports what
it shows).
"""
