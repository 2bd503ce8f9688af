"""The training wing of the UI: what the Train and Home pages lay out about runs and jobs.

``grid`` (choose a grid, see what is stored, what cannot start), ``overrides`` (the grid's
"Advanced" recipe box), ``panel`` (the server's job runner and the live jobs panel) and
``overview`` (the store in numbers and its runs table). Why a package: these parts are used
together by the pages that train, and by nothing else. ``core.jobs`` and ``core.training``
compute; these modules only lay out. Importing the package imports none of its modules.
"""
