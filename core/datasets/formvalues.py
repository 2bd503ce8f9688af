"""From the Datasets form's raw values to a checked declaration, for any kind.

The form (generated from the kind's rows, :func:`form_rows`) hands back what the user typed,
mostly text. Each control says how its text becomes a setting (:data:`~core.datasets.kind.
CONTROLS`); a control the kind requires must not be empty; a ``choice`` sends only the settings
of the chosen option. The result goes through :meth:`DatasetSpec.from_dict` like a TOML entry,
so the form and the registry file share every check.
"""

from __future__ import annotations

from typing import Any

from core.datasets.common import FORM_TAIL, form_head
from core.datasets.errors import DatasetError
from core.datasets.kind import Ask, Missing, Row
from core.datasets.loaders import KINDS
from core.datasets.spec import DatasetSpec


def form_rows(kind: str) -> tuple[Row, ...]:
    """Every row of ``kind``'s form, in order: the common head, the kind's own, the tail."""
    k = KINDS[kind]
    return form_head(k.path_label) + k.form + FORM_TAIL


def maps_labels(kind: str) -> bool:
    """Whether ``kind``'s form has the label mapping, so the user can change how its labels
    become classes there."""
    return any(ask.control == "label_map" for r in form_rows(kind) for ask in r.asks)


def parse_label_map(text: str) -> dict[str, str]:
    """``raw=class`` lines (blank lines and ``#`` comments ignored) as a dict."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        raw, sep, cls = line.partition("=")
        if not sep or not raw.strip() or not cls.strip():
            raise DatasetError(f"Label mapping line {number} ({line!r}) is not raw=class.",
                               fix='write one mapping per line, e.g. "4=malignant"')
        if raw.strip() in mapping:
            raise DatasetError(f"Raw label {raw.strip()!r} is mapped twice in the label mapping.",
                               fix="keep one line per raw label")
        mapping[raw.strip()] = cls.strip()
    return mapping


def split_names(text: str) -> tuple[str, ...]:
    """Comma- or newline-separated names, trimmed, empties dropped."""
    return tuple(p.strip() for p in text.replace("\n", ",").split(",") if p.strip())


def spec_from_fields(fields: dict) -> DatasetSpec:
    """A DatasetSpec from the form's raw values (strings, mostly); DatasetError if invalid.

    ``fields["kind"]`` names the kind; a value missing from ``fields`` is its control's
    initial one. Empty values are left out, so the declaration keeps its defaults."""
    kind = fields["kind"]
    asks = [ask for r in form_rows(kind) for ask in r.asks]
    data = {ask.setting: _read(ask, fields.get(ask.setting, ask.initial)) for ask in asks}
    unmet = [m for ask in asks if ask.control == "choice" and (m := _keep_chosen(ask, data))]
    for ask in asks:  # required controls in form order, then the choices' requirements
        if ask.required and ask.control != "choice" and not data.get(ask.setting):
            unmet.insert(0, ask.required)
            break
    if unmet:
        raise DatasetError(unmet[0].problem, fix=unmet[0].fix)
    return DatasetSpec.from_dict({k: v for k, v in data.items() if v not in ("", (), {})}
                                 | {"name": data["name"], "kind": kind})


def _read(ask: Ask, value: Any) -> Any:
    """The setting's value from the control's raw value."""
    if ask.control == "text":
        return str(value).strip()
    if ask.control == "names":
        return split_names(value)
    if ask.control == "label_map":
        return parse_label_map(value)
    if ask.control == "number":
        return int(value)
    return value  # select, choice: one of the options


def _keep_chosen(ask: Ask, data: dict[str, Any]) -> Missing | None:
    """Drop the choice itself and the settings of the options not chosen (an unknown value
    counts as the first option); the choice's requirement when the chosen option's first
    setting is empty."""
    chosen = data.pop(ask.setting)
    index = ask.options.index(chosen) if chosen in ask.options else 0
    for i, settings in enumerate(ask.chooses):
        if i != index:
            for name in settings:
                data.pop(name, None)
    return ask.required if ask.required and not data.get(ask.chooses[index][0]) else None
