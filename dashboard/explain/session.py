"""What the Explain page remembers within one browser session: results and the Stop state.

Why per session and not ``st.cache_data``: the keys and values come from a user's uploads, which
must never be served to another session, and nothing from an upload may be written to disk.
Why remember at all: Streamlit reruns the page on every widget change (opacity, a class choice,
a threshold), and a SmoothGrad or Score-CAM map costs seconds; a finished map must survive the
rerun, including a rerun that interrupted the computation of the next map.

Stopping a slow computation (Streamlit 1.67, ``runner.fastReruns`` on by default): a click on
Stop starts a new script run at once, while the old run keeps computing until its next Streamlit
call. The button's ``on_click`` callback runs first in the new run and sets the old batch's
``threading.Event``, which ``core.saliency`` checks between chunks (SmoothGrad samples, Score-CAM
masks), so the old computation ends after its current chunk even before it reaches Streamlit.
The keys that were pending are remembered as stopped, so the new run does not start them again
until the user asks for it; changed settings (new keys) compute normally.

Memory: the results are bounded in bytes (:data:`MAX_RESULT_BYTES`, least recently used first
out), not in entries, because one entry can be a 200 kB map or a decoded image. Images enter
already reduced (:mod:`core.datasets.reduced`), so one upload costs well under a megabyte
however many pixels its file held. The results live in ``st.session_state``, which Streamlit
drops when the session ends (``server.disconnectedSessionTTL`` after the browser goes away).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Hashable

import streamlit as st

RESULTS_KEY = "lesionlab.explain.results"
BATCH_KEY = "lesionlab.explain.batch"
MAX_RESULTS = 512
#: Bytes of results one session may hold: 8 sessions x 32 MiB stay under the 300 MiB that the
#: load test allows the server to grow by.
MAX_RESULT_BYTES = 32 * 2**20


class Results:
    """A bounded, thread-safe, least-recently-used mapping (old and new script runs may
    overlap for a moment after a click, see the module docstring)."""

    def __init__(self, max_entries: int = MAX_RESULTS,
                 max_bytes: int = MAX_RESULT_BYTES) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value``; the least recently used entries go while over either bound (the
        newest entry always stays, even alone over the byte bound)."""
        size = nbytes(value)
        with self._lock:
            self._items[key] = value
            self._sizes[key] = size
            self._items.move_to_end(key)
            while len(self._items) > 1 and (len(self._items) > self.max_entries
                                            or sum(self._sizes.values()) > self.max_bytes):
                old, _ = self._items.popitem(last=False)
                del self._sizes[old]

    @property
    def bytes(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def nbytes(value: Any) -> int:
    """Approximate bytes held by ``value``: arrays and byte strings exactly, containers and
    dataclasses (maps, predictions, images) as the sum of what they hold."""
    size = getattr(value, "nbytes", None)
    if isinstance(size, int):
        return size
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(nbytes(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return sys.getsizeof(value)


def results() -> Results:
    """This session's results (created on first use)."""
    if RESULTS_KEY not in st.session_state:
        st.session_state[RESULTS_KEY] = Results()
    return st.session_state[RESULTS_KEY]


@dataclass
class Batch:
    """The computation in progress (or last run) in this session."""

    event: threading.Event = field(default_factory=threading.Event)
    pending: frozenset = frozenset()
    stopped: frozenset = frozenset()


def batch() -> Batch:
    if BATCH_KEY not in st.session_state:
        st.session_state[BATCH_KEY] = Batch()
    return st.session_state[BATCH_KEY]


def start_batch(keys: frozenset) -> threading.Event:
    """A fresh cancel event for a new batch of work (the old one may still be set)."""
    current = batch()
    current.event = threading.Event()
    current.pending = frozenset(keys)
    return current.event


def stop_batch() -> None:
    """``on_click`` of the Stop button: cancel the running batch and remember what it had left."""
    current = batch()
    current.event.set()
    current.stopped = current.stopped | current.pending


def resume_batch() -> None:
    """``on_click`` of the "compute the rest" button."""
    batch().stopped = frozenset()
