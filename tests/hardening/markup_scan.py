"""A static scan: every argument Streamlit renders as Markdown is either text of the code itself
or goes through :func:`dashboard.text.literal` / :func:`dashboard.text.md`.

Which arguments render Markdown was measured in a real browser (Streamlit 1.67): bodies,
labels of every widget, ``help`` tooltips, radio options, tab / expander / popover / status
labels, progress and spinner texts, image captions, metric values, ``st.table`` cells. Not
Markdown: ``st.text``, ``st.code``, dataframes, selectbox and multiselect options.

"Text of the code" is decided on the expression: a string literal; an UPPER_CASE constant (or
an item of one); an f-string, ``+``, ``" ".join(...)`` or conditional whose every part is safe;
a number (``len(...)``, ``int(...)``, a numeric format spec such as ``{t:.3f}``); a local
variable whose every assignment in its function is safe; ``literal(...)``; ``md("...", ...)``
with a literal template. Anything else (a parameter, an attribute, another call, ``{x!r}``) is
reported with its file and line. Every ``st.dataframe`` gets ``plain_table(...)`` (hidden
characters shown), no table column links or images its cells, and every CSV is made by
``csv_bytes`` (no cell runs as a spreadsheet formula).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ALL = None  # every positional argument
_BODY = ((0,), ("body",))
_LABEL = ((0,), ("label",))
#: Streamlit function / method name -> (positional indexes, keyword names) rendered as Markdown.
MARKDOWN_ARGS: dict[str, tuple[tuple[int, ...] | None, tuple[str, ...]]] = {
    **dict.fromkeys(("markdown", "caption", "info", "warning", "error", "success", "toast",
                     "title", "header", "subheader"), _BODY),
    "write": (ALL, ()),
    **dict.fromkeys(("expander", "popover", "status", "button", "download_button",
                     "form_submit_button", "link_button", "checkbox", "toggle", "text_input",
                     "text_area", "number_input", "slider", "select_slider", "file_uploader",
                     "date_input", "time_input", "color_picker", "camera_input", "selectbox",
                     "multiselect", "feedback"), _LABEL),
    **dict.fromkeys(("radio", "pills", "segmented_control"), _LABEL),
    "spinner": ((0,), ("text",)),
    "progress": ((1,), ("text",)),
    "tabs": ((0,), ("tabs",)),
    "metric": ((0, 1, 2), ("label", "value", "delta")),
    "page_link": ((1,), ("label",)),
    "image": ((1,), ("caption",)),
    "table": ((0,), ("data",)),
    "update": ((), ("label",)),  # st.status(...).update(label=...)
}
#: Keywords rendered as Markdown on any Streamlit call.
ANY_CALL_KEYWORDS = ("help",)
#: Widgets whose options render as Markdown: their ``format_func`` must make them safe.
MARKDOWN_OPTIONS = ("radio", "pills", "segmented_control")
SAFE_CALLS = {"literal", "markdown_table"}
#: A download's ``file_name=`` is a literal or made by one of these (dashboard.text.file_name).
FILE_NAME_CALLS = {"file_name", "clean_file_name"}
NUMERIC_CALLS = {"len", "int", "float", "round"}
_NUMERIC_SPEC = re.compile(r"^[^{}]*(,|[bcdeEfFgGnoxX%])$")


def _scope_assignments(scope: ast.AST) -> dict[str, list[ast.AST | None]]:
    """name -> every value assigned to it directly in ``scope`` (None: not knowable)."""
    env: dict[str, list[ast.AST | None]] = {}
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
            if arg is not None:
                env.setdefault(arg.arg, []).append(None)
    for node in _walk_own(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind(env, target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            _bind(env, node.target, node.value if isinstance(node, ast.AnnAssign) else None)
        elif isinstance(node, (ast.For, ast.comprehension)):
            # Items of an UPPER_CASE constant (a table written in the code) are code text.
            _bind(env, node.target, ast.Constant("") if _is_constant_name(node.iter) else None)
        elif isinstance(node, ast.NamedExpr):
            _bind(env, node.target, node.value)
        elif isinstance(node, ast.With):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind(env, item.optional_vars, None)
    return env


def _walk_own(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``scope`` without descending into nested functions and classes."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _bind(env: dict, target: ast.AST, value: ast.AST | None) -> None:
    if isinstance(target, ast.Name):
        env.setdefault(target.id, []).append(value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, element in enumerate(target.elts):
            part = None
            if isinstance(value, ast.Constant):
                part = value
            elif isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                part = value.elts[i]
            elif isinstance(value, (ast.GeneratorExp, ast.ListComp)):
                part = value.elt
            _bind(env, element, part)


class Scanner:
    """Safety of expressions inside one scope chain (innermost function first)."""

    def __init__(self, scopes: list[dict[str, list[ast.AST | None]]]):
        self.scopes = scopes
        self._busy: set[str] = set()

    def safe(self, node: ast.AST | None) -> bool:
        if node is None:
            return False
        method = getattr(self, f"_{type(node).__name__}", None)
        return bool(method and method(node))

    def _Constant(self, node):
        return True

    def _JoinedStr(self, node):
        return all(self.safe(v) if isinstance(v, ast.FormattedValue) else True
                   for v in node.values)

    def _FormattedValue(self, node):
        if node.conversion != -1:
            return False
        spec = node.format_spec
        if spec is not None and all(isinstance(v, ast.Constant) for v in spec.values):
            text = "".join(str(v.value) for v in spec.values)
            if _NUMERIC_SPEC.match(text):
                return True
        return self.safe(node.value)

    def _BinOp(self, node):
        return isinstance(node.op, ast.Add) and self.safe(node.left) and self.safe(node.right)

    def _IfExp(self, node):
        return self.safe(node.body) and self.safe(node.orelse)

    def _BoolOp(self, node):
        return all(self.safe(v) for v in node.values)

    def _Tuple(self, node):
        return all(self.safe(e) for e in node.elts)

    _List = _Tuple

    def _Starred(self, node):
        return self.safe(node.value)

    def _ListComp(self, node):
        return self.safe(node.elt)

    _GeneratorExp = _ListComp

    def _Subscript(self, node):
        return _is_constant_name(node.value)

    def _Call(self, node):
        name = _call_name(node)
        if name in SAFE_CALLS or name in NUMERIC_CALLS:
            return True
        if name == "md":
            return bool(node.args) and isinstance(node.args[0], ast.Constant)
        func = node.func
        if isinstance(func, ast.Attribute) and name == "join":
            return isinstance(func.value, ast.Constant) and len(node.args) == 1 and (
                self.safe(node.args[0]))
        if isinstance(func, ast.Attribute) and name == "get":
            return _is_constant_name(func.value)
        return False

    def _Name(self, node):
        if _is_constant_name(node):
            return True
        for env in self.scopes:
            if node.id in env:
                if node.id in self._busy:
                    return False
                self._busy.add(node.id)
                try:
                    return all(self.safe(v) for v in env[node.id])
                finally:
                    self._busy.discard(node.id)
        return False

    def _Lambda(self, node):
        inner = Scanner([_scope_assignments(node), *self.scopes])
        return inner.safe(node.body)

    def callable_safe(self, node: ast.AST) -> bool:
        """A ``format_func`` whose results are safe."""
        if isinstance(node, ast.Lambda):
            return self._Lambda(node)
        if isinstance(node, ast.Name):
            return node.id in SAFE_CALLS
        return (isinstance(node, ast.Attribute) and node.attr == "get"
                and _is_constant_name(node.value))


def _is_constant_name(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")
    return bool(name) and name.lstrip("_").isupper()


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _markdown_arguments(call: ast.Call) -> Iterator[tuple[str, ast.AST]]:
    name = _call_name(call)
    positions, keywords = MARKDOWN_ARGS.get(name, ((), ()))
    if isinstance(call.func, ast.Attribute):
        for i, arg in enumerate(call.args):
            if positions is ALL or i in positions:
                yield f"{name} argument {i + 1}", arg
    for kw in call.keywords:
        if kw.arg in keywords or kw.arg in ANY_CALL_KEYWORDS:
            yield f"{name}({kw.arg}=)", kw.value


def _scopes_of(tree: ast.Module) -> Iterator[tuple[ast.Call, list[dict]]]:
    """Every call with the assignment tables of its enclosing scopes (innermost first)."""
    def visit(scope: ast.AST, chain: list[dict]):
        own = [_scope_assignments(scope), *chain]
        for node in _walk_own(scope):
            if isinstance(node, ast.Call):
                yield node, own
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(node, own)
            elif isinstance(node, ast.ClassDef):
                yield from visit(node, chain)
    yield from visit(tree, [])


def _other_modules(tree: ast.Module) -> set[str]:
    """Names imported with ``import x`` or ``from package import x`` other than Streamlit's:
    ``urlstate.write(...)`` is not ``st.write``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module in ("dashboard", "core"):
            names |= {a.asname or a.name for a in node.names}
    return names - {"st", "streamlit"}


def offenders(path: Path, root: Path) -> list[str]:
    """``file:line: what`` for each Markdown argument of ``path`` not shown to be safe."""
    return source_offenders(path.read_text(encoding="utf-8"), str(path.relative_to(root)))


def source_offenders(source: str, label: str) -> list[str]:
    """:func:`offenders` of Python ``source`` (``label`` names it in the report), by line."""
    tree = ast.parse(source, label)
    modules = _other_modules(tree)
    found = []
    for call, scopes in _scopes_of(tree):
        receiver = getattr(call.func, "value", None)
        if not (isinstance(receiver, ast.Name) and receiver.id in modules):
            found += [(call.lineno, what, text) for what, text in _call_offences(call, scopes)]
    found += [(call.lineno, "to_csv", "a CSV not made by csv_bytes (formulas run)")
              for call in _csv_outside_csv_bytes(tree)]
    return [f"{label}:{line}: {what}: {text}" for line, what, text in sorted(found)]


def _csv_outside_csv_bytes(tree: ast.Module) -> Iterator[ast.Call]:
    """``.to_csv(...)`` calls anywhere but in ``csv_bytes`` (which neutralises formulas)."""
    inside = {id(node) for f in ast.walk(tree)
              if isinstance(f, ast.FunctionDef) and f.name == "csv_bytes" for node in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "to_csv" and id(node) not in inside:
            yield node


def _call_offences(call: ast.Call, scopes: list[dict]) -> Iterator[tuple[str, str]]:
    """(what, expression) for each unsafe Markdown argument, options or file name of a call."""
    scan = Scanner(scopes)
    for what, arg in _markdown_arguments(call):
        if not scan.safe(arg):
            yield what, ast.unparse(arg)[:80]
    name = _call_name(call)
    if name == "download_button":
        given = next((k.value for k in call.keywords if k.arg == "file_name"), None)
        if not (given is None or isinstance(given, ast.Constant) or (
                isinstance(given, ast.Call) and _call_name(given) in FILE_NAME_CALLS)):
            yield "download_button(file_name=)", ast.unparse(given)[:80]
    if name in ("dataframe", "data_editor") and isinstance(call.func, ast.Attribute):
        data = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "data"), None)
        if not (isinstance(data, ast.Call) and _call_name(data) == "plain_table"):
            yield f"{name} data", ast.unparse(data)[:80] if data is not None else ""
    if name in ("LinkColumn", "ImageColumn"):
        yield name, "a link or an image made of a table cell"
    if name in MARKDOWN_OPTIONS and isinstance(call.func, ast.Attribute):
        func = next((k.value for k in call.keywords if k.arg == "format_func"), None)
        options = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "options"), None)
        if not (scan.callable_safe(func) if func is not None else scan.safe(options)):
            yield f"{name} options", ast.unparse(func if func is not None else options)[:80]
