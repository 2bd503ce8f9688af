"""Progress reporting and cancellation for one saliency computation.

The slow methods (SmoothGrad, Score-CAM) run for seconds to minutes on a CPU. They report a
fraction in [0, 1] through one plain callable and check a ``threading.Event`` between chunks, so a
"cancel" click takes effect after the current chunk rather than after the whole map.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from core.saliency.errors import SaliencyCancelled

ProgressFn = Callable[[float], None]


@dataclass(frozen=True)
class RunControl:
    """The caller's progress callback and cancel event, either of which may be absent."""

    progress: ProgressFn | None = None
    cancel: threading.Event | None = None

    def check(self) -> None:
        """Raise ``SaliencyCancelled`` if the user asked to stop."""
        if self.cancel is not None and self.cancel.is_set():
            raise SaliencyCancelled("saliency map cancelled by the user")

    def report(self, fraction: float) -> None:
        """Check for a cancel first, so a cancelled run never reports more progress."""
        self.check()
        if self.progress is not None:
            self.progress(min(max(float(fraction), 0.0), 1.0))
