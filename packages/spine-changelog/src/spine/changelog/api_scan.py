"""Read the public API of every package from its source with ``ast`` (nothing is imported).

A package's API is what its import root exports in ``__all__``; a name re-exported from a
submodule (``from spine.types.result import Ok``, also inside ``if TYPE_CHECKING:`` blocks, or
named in a lazy-export ``{"Ok": "spine.types.result"}`` table) is followed to its definition.
Public submodules (no ``_`` in their path) that export names the root does not are listed too.
Each name gets its kind, signature (``(value: T) -> Ok[T]``), the first paragraph of its
docstring and, for classes, public methods, properties and attributes.

Every docstring met on the way is kept (:class:`DocBlock`) so diagrams embedded in them can be
written out.

Example:
    >>> from spine.changelog.tree import DirectoryTree
    >>> from spine.changelog.workspace import load_workspace
    >>> tree = DirectoryTree(Path("."))  # doctest: +SKIP
    >>> scan = scan_sources(tree, load_workspace(tree))  # doctest: +SKIP
    >>> scan.api.packages[0].modules[0].symbols[0].name  # doctest: +SKIP
    'AuthError'
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spine.changelog.errors import ModuleParseError

if TYPE_CHECKING:
    from spine.changelog.tree import SourceTree
    from spine.changelog.workspace import Workspace

__all__ = [
    "ApiIndex",
    "ApiMember",
    "ApiSymbol",
    "DocBlock",
    "ModuleApi",
    "PackageApi",
    "SourceScan",
    "scan_sources",
]

_MAX_VALUE = 80
_DATA_TYPES = ("NamedTuple",)
_KW_MODELS = ("BaseModel", "BaseSettings")
_DUNDER_MEMBERS = frozenset({"__call__", "__enter__", "__exit__", "__iter__", "__len__"})


@dataclass(frozen=True, slots=True)
class ApiMember:
    """A public member of a class: method, classmethod, staticmethod, property or attribute."""

    name: str
    kind: str
    signature: str
    summary: str


@dataclass(frozen=True, slots=True)
class ApiSymbol:
    """A public name: ``class``, ``function``, ``data``, ``module`` or ``unresolved``.

    ``signature`` is the call signature of a function or of a class's constructor (``""``
    when inherited), or ``: type = value`` of data; ``defined_in`` is the module that
    defines it (a re-export is followed).
    """

    name: str
    kind: str
    signature: str
    summary: str
    defined_in: str
    bases: tuple[str, ...] = ()
    members: tuple[ApiMember, ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleApi:
    """The public names of one module, sorted."""

    module: str
    path: str
    summary: str
    symbols: tuple[ApiSymbol, ...]


@dataclass(frozen=True, slots=True)
class PackageApi:
    """One distribution's API: its import roots first, then other public modules."""

    distribution: str
    version: str | None
    summary: str
    modules: tuple[ModuleApi, ...]


@dataclass(frozen=True, slots=True)
class ApiIndex:
    """The API of every package of the workspace, in dependency order."""

    packages: tuple[PackageApi, ...]

    def package(self, name: str) -> PackageApi | None:
        """The package called ``name``, if indexed."""
        return next((p for p in self.packages if p.distribution == name), None)


@dataclass(frozen=True, slots=True)
class DocBlock:
    """A docstring found while scanning (module docstring: ``qualname == ""``)."""

    module: str
    qualname: str
    path: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class SourceScan:
    """What :func:`scan_sources` read: the API index and every docstring."""

    api: ApiIndex
    docstrings: tuple[DocBlock, ...]


# --- one module ---------------------------------------------------------------------------


def summary_of(doc: str | None) -> str:
    """The first paragraph of a docstring as one line."""
    if not doc:
        return ""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


def _unparse(node: ast.AST | None) -> str:
    return ast.unparse(node) if node is not None else ""


def _short(node: ast.AST | None) -> str:
    text = _unparse(node)
    return text if len(text) <= _MAX_VALUE and "\n" not in text else "..."


def _arg(a: ast.arg, default: ast.expr | None) -> str:
    text = a.arg
    if a.annotation is not None:
        text += f": {_unparse(a.annotation)}"
    if default is not None:
        text += f" = {_unparse(default)}" if a.annotation is not None else f"={_unparse(default)}"
    return text


def signature_of(node: ast.FunctionDef | ast.AsyncFunctionDef, *, drop_first: bool = False) -> str:
    """``(a: int, /, b=1, *args, c: str, **kw) -> R`` of a function definition."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    posonly = len(args.posonlyargs)
    if drop_first and positional:
        positional, defaults = positional[1:], defaults[1:]
        posonly = max(posonly - 1, 0)
    parts: list[str] = []
    for i, (a, d) in enumerate(zip(positional, defaults, strict=True)):
        parts.append(_arg(a, d))
        if posonly and i == posonly - 1:
            parts.append("/")
    if args.vararg is not None:
        parts.append("*" + _arg(args.vararg, None))
    elif args.kwonlyargs:
        parts.append("*")
    parts.extend(_arg(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True))
    if args.kwarg is not None:
        parts.append("**" + _arg(args.kwarg, None))
    text = f"({', '.join(parts)})"
    if node.returns is not None:
        text += f" -> {_unparse(node.returns)}"
    return text


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list[str]:
    names: list[str] = []
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        names.append(_unparse(target).rsplit(".", 1)[-1])
    return names


def _data_signature(annotation: ast.expr | None, value: ast.expr | None) -> str:
    text = f": {_unparse(annotation)}" if annotation is not None else ""
    if value is not None:
        text += f" = {_short(value)}"
    return text


def _is_classvar(annotation: ast.expr | None) -> bool:
    return annotation is not None and "ClassVar" in _unparse(annotation).split("[", 1)[0]


def _field_default(value: ast.expr | None) -> tuple[bool, str | None]:
    """``(in_init, default)`` of a dataclass field's right-hand side."""
    if value is None:
        return True, None
    if isinstance(value, ast.Call) and _unparse(value.func).rsplit(".", 1)[-1] == "field":
        keywords = {k.arg: k.value for k in value.keywords if k.arg}
        init = keywords.get("init")
        if isinstance(init, ast.Constant) and init.value is False:
            return False, None
        if "default" in keywords:
            return True, _short(keywords["default"])
        if "default_factory" in keywords:
            return True, f"{_short(keywords['default_factory'])}()"
        return True, None
    return True, _short(value)


def _fields_signature(node: ast.ClassDef, *, keyword_only: bool) -> str:
    parts: list[str] = []
    for stmt in node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        if _is_classvar(stmt.annotation) or _unparse(stmt.annotation).endswith("KW_ONLY"):
            continue
        in_init, default = _field_default(stmt.value)
        if not in_init:
            continue
        text = f"{stmt.target.id}: {_unparse(stmt.annotation)}"
        parts.append(f"{text} = {default}" if default is not None else text)
    if keyword_only and parts:
        parts.insert(0, "*")
    return f"({', '.join(parts)})"


def _constructor(node: ast.ClassDef) -> str:
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "__init__":
            return signature_of(stmt, drop_first=True).split(" -> ", 1)[0]
    decorators = _decorator_names(node)
    bases = [_unparse(b).rsplit(".", 1)[-1] for b in node.bases]
    if "dataclass" in decorators:
        kw_only = any(
            isinstance(d, ast.Call)
            and any(
                k.arg == "kw_only" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in d.keywords
            )
            for d in node.decorator_list
        )
        return _fields_signature(node, keyword_only=kw_only)
    if any(b in _KW_MODELS for b in bases):
        return _fields_signature(node, keyword_only=True)
    if any(b in _DATA_TYPES for b in bases):
        return _fields_signature(node, keyword_only=False)
    return ""


def _members(node: ast.ClassDef) -> tuple[ApiMember, ...]:
    found: dict[str, ApiMember] = {}
    body = node.body
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            name = stmt.name
            if (name.startswith("_") and name not in _DUNDER_MEMBERS) or name in found:
                continue
            decorators = _decorator_names(stmt)
            if "overload" in decorators or {"setter", "deleter"} & set(decorators):
                continue
            doc = summary_of(ast.get_docstring(stmt))
            if "property" in decorators or "cached_property" in decorators:
                returns = f" -> {_unparse(stmt.returns)}" if stmt.returns is not None else ""
                found[name] = ApiMember(name, "property", returns.strip(), doc)
            elif "staticmethod" in decorators:
                found[name] = ApiMember(name, "staticmethod", signature_of(stmt), doc)
            elif "classmethod" in decorators:
                found[name] = ApiMember(
                    name, "classmethod", signature_of(stmt, drop_first=True), doc
                )
            else:
                prefix = "async " if isinstance(stmt, ast.AsyncFunctionDef) else ""
                found[name] = ApiMember(
                    name, f"{prefix}method", signature_of(stmt, drop_first=True), doc
                )
        elif isinstance(stmt, ast.AnnAssign | ast.Assign):
            targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else stmt.targets
            annotation = stmt.annotation if isinstance(stmt, ast.AnnAssign) else None
            doc = _attribute_doc(body, index)
            for target in targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    found.setdefault(
                        target.id,
                        ApiMember(
                            target.id, "attribute", _data_signature(annotation, stmt.value), doc
                        ),
                    )
    return tuple(found[k] for k in sorted(found))


def _attribute_doc(body: list[ast.stmt], index: int) -> str:
    if index + 1 < len(body):
        nxt = body[index + 1]
        if (
            isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            return summary_of(nxt.value.value)
    return ""


def _literal_names(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple):
        names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(names) == len(node.elts) and all(isinstance(n, str) for n in names):
            return [str(n) for n in names]
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_names(node.left), _literal_names(node.right)
        return left + right if left is not None and right is not None else None
    return None


@dataclass
class ParsedModule:
    """One module's top-level definitions, imports and ``__all__``."""

    name: str
    path: str
    is_package: bool
    module: ast.Module
    all_names: list[str] | None = None
    dynamic_all: bool = False
    defs: dict[str, ast.stmt] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    lazy: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """First paragraph of the module docstring."""
        return summary_of(ast.get_docstring(self.module))

    def _absolute(self, level: int, module: str | None) -> str:
        if level == 0:
            return module or ""
        package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def collect(self) -> None:
        """Fill ``defs``, ``imports``, ``lazy`` and ``__all__`` from the module body."""
        self._collect(self.module.body)

    def _collect(self, body: list[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            if isinstance(stmt, ast.If):
                self._collect(stmt.body)
                self._collect(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                self._collect(stmt.body)
                for handler in stmt.handlers:
                    self._collect(handler.body)
                self._collect(stmt.orelse)
                self._collect(stmt.finalbody)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.defs[stmt.name] = stmt
            elif isinstance(stmt, ast.ImportFrom):
                source = self._absolute(stmt.level, stmt.module)
                for alias in stmt.names:
                    if alias.name != "*":
                        self.imports[alias.asname or alias.name] = (source, alias.name)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        self.imports[alias.asname] = (alias.name, None)
            elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
                self._assignment(stmt, body, index)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self._all_call(stmt.value)
            elif type(stmt).__name__ == "TypeAlias":  # ``type X = ...`` (Python 3.12+)
                name = getattr(stmt, "name", None)
                if isinstance(name, ast.Name):
                    self.defs[name.id] = stmt

    def _assignment(
        self, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, body: list[ast.stmt], index: int
    ) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "__all__":
                names = _literal_names(stmt.value)
                if names is None:
                    self.dynamic_all = True
                elif isinstance(stmt, ast.AugAssign):
                    self.all_names = [*(self.all_names or []), *names]
                else:
                    self.all_names = names
                continue
            if isinstance(stmt, ast.AugAssign):
                continue
            self.defs[target.id] = stmt
            doc = _attribute_doc(body, index)
            if doc:
                self.docs[target.id] = doc
            if isinstance(stmt.value, ast.Dict):
                for key, value in zip(stmt.value.keys, stmt.value.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and isinstance(key.value, str)
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        self.lazy.setdefault(key.value, value.value)

    def _all_call(self, call: ast.Call) -> None:
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "__all__"
        ):
            return
        if func.attr == "extend" and call.args:
            names = _literal_names(call.args[0])
        elif func.attr == "append" and call.args and isinstance(call.args[0], ast.Constant):
            names = [str(call.args[0].value)]
        else:
            names = None
        if names is None:
            self.dynamic_all = True
        else:
            self.all_names = [*(self.all_names or []), *names]

    def public_names(self) -> list[str]:
        """``__all__``, or (without one) the top-level definitions not starting with ``_``."""
        if self.all_names is not None:
            return list(dict.fromkeys(self.all_names))
        return sorted(n for n in self.defs if not n.startswith("_"))


def parse_module(name: str, path: str, source: str, described: str) -> ParsedModule:
    """Parse one module's source; a syntax error becomes :class:`ModuleParseError`."""
    try:
        module = ast.parse(source, filename=described)
    except SyntaxError as exc:
        raise ModuleParseError(
            f"{described}:{exc.lineno or 0}: {exc.msg}; the API index and diagrams are read "
            "from the source with ast (nothing is imported), so the module must parse",
            path=path,
            cause=exc,
        ) from exc
    except ValueError as exc:  # e.g. null bytes
        raise ModuleParseError(
            f"{described}: cannot be parsed ({exc})", path=path, cause=exc
        ) from exc
    parsed = ParsedModule(
        name=name, path=path, is_package=path.endswith("__init__.py"), module=module
    )
    parsed.collect()
    return parsed


# --- the workspace ------------------------------------------------------------------------


class _Resolver:
    def __init__(self, modules: dict[str, ParsedModule]) -> None:
        self.modules = modules

    def symbol(
        self, module: ParsedModule, name: str, seen: frozenset[str] = frozenset()
    ) -> ApiSymbol:
        key = f"{module.name}:{name}"
        if key in seen or len(seen) > 20:
            return ApiSymbol(name, "unresolved", "", "", module.name)
        seen = seen | {key}
        node = module.defs.get(name)
        if node is not None:
            return self._from_node(module, name, node)
        target = module.imports.get(name)
        if target is None and name in module.lazy:
            target = (module.lazy[name], name)
        if target is not None:
            source, attr = target
            if attr is None:
                return ApiSymbol(name, "module", "", self._module_summary(source), source)
            if source in self.modules:
                found = self.symbol(self.modules[source], attr, seen)
                return _renamed(found, name)
            submodule = f"{source}.{attr}"
            if submodule in self.modules:
                return ApiSymbol(name, "module", "", self._module_summary(submodule), submodule)
            return ApiSymbol(name, "data", f" = {source}.{attr}", "", source)
        submodule = f"{module.name}.{name}" if module.is_package else ""
        if submodule in self.modules:
            return ApiSymbol(name, "module", "", self._module_summary(submodule), submodule)
        return ApiSymbol(name, "unresolved", "", "", module.name)

    def _module_summary(self, name: str) -> str:
        module = self.modules.get(name)
        return module.summary if module is not None else ""

    def _from_node(self, module: ParsedModule, name: str, node: ast.stmt) -> ApiSymbol:
        if isinstance(node, ast.ClassDef):
            return ApiSymbol(
                name=name,
                kind="class",
                signature=_constructor(node),
                summary=summary_of(ast.get_docstring(node)),
                defined_in=module.name,
                bases=tuple(_unparse(b) for b in node.bases),
                members=_members(node),
            )
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
            return ApiSymbol(
                name=name,
                kind=f"{prefix}function",
                signature=signature_of(node),
                summary=summary_of(ast.get_docstring(node)),
                defined_in=module.name,
            )
        if isinstance(node, ast.Assign | ast.AnnAssign):
            annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
            value = node.value
            if isinstance(value, ast.Name) and value.id in module.defs | module.imports:
                aliased = self.symbol(module, value.id, frozenset({f"{module.name}:{name}"}))
                if aliased.kind != "unresolved":
                    return _renamed(aliased, name)
            return ApiSymbol(
                name=name,
                kind="data",
                signature=_data_signature(annotation, value),
                summary=module.docs.get(name, ""),
                defined_in=module.name,
            )
        value = getattr(node, "value", None)
        return ApiSymbol(name, "type alias", f" = {_short(value)}", "", module.name)


def _renamed(symbol: ApiSymbol, name: str) -> ApiSymbol:
    if symbol.name == name:
        return symbol
    return ApiSymbol(
        name,
        symbol.kind,
        symbol.signature,
        symbol.summary,
        symbol.defined_in,
        symbol.bases,
        symbol.members,
    )


def _module_name(source_root: str, path: str) -> str:
    rel = path[len(source_root) + 1 :] if source_root else path
    parts = rel[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_public(module: str, root: str) -> bool:
    tail = module[len(root) :].split(".")
    return not any(part.startswith("_") for part in tail if part)


def scan_sources(tree: SourceTree, workspace: Workspace) -> SourceScan:
    """Parse every module of every package in ``tree`` and build the API index.

    Raises :class:`ModuleParseError` naming the file and line of a module that does not parse.
    """
    locations: list[tuple[str, str]] = []  # (module name, path)
    owner: dict[str, str] = {}
    for pkg in workspace.packages:
        for root in pkg.import_roots:
            base = "/".join(p for p in (pkg.source_root, *root.split(".")) if p)
            for path in tree.files_under(base):
                if not path.endswith(".py") or "/tests/" in path[len(base) :] + "/":
                    continue
                name = _module_name(pkg.source_root, path)
                locations.append((name, path))
                owner[name] = pkg.name
    texts = tree.read_texts(path for _, path in locations)
    modules = {
        name: parse_module(name, path, texts[path], tree.describe(path)) for name, path in locations
    }
    resolver = _Resolver(modules)
    packages: list[PackageApi] = []
    for pkg in workspace.packages:
        roots = [modules[r] for r in pkg.import_roots if r in modules]
        exported: set[tuple[str, str]] = set()
        module_apis: list[ModuleApi] = []
        for root_module in roots:
            symbols = tuple(
                sorted(
                    (resolver.symbol(root_module, n) for n in root_module.public_names()),
                    key=_name,
                )
            )
            exported.update((s.defined_in, s.name) for s in symbols)
            module_apis.append(
                ModuleApi(root_module.name, root_module.path, root_module.summary, symbols)
            )
        root_names = {r.name for r in roots}
        others: list[ModuleApi] = []
        for name in sorted(modules):
            module = modules[name]
            if owner[name] != pkg.name or name in root_names or module.all_names is None:
                continue
            if not any(name.startswith(r.name + ".") and _is_public(name, r.name) for r in roots):
                continue
            symbols = tuple(
                s
                for s in sorted(
                    (resolver.symbol(module, n) for n in module.public_names()), key=_name
                )
                if (s.defined_in, s.name) not in exported
            )
            if symbols:
                others.append(ModuleApi(module.name, module.path, module.summary, symbols))
        packages.append(PackageApi(pkg.name, pkg.version, pkg.summary, (*module_apis, *others)))
    return SourceScan(ApiIndex(tuple(packages)), _docstrings(modules))


def _name(symbol: ApiSymbol) -> str:
    return symbol.name


def _docstrings(modules: dict[str, ParsedModule]) -> tuple[DocBlock, ...]:
    blocks: list[DocBlock] = []
    for name in sorted(modules):
        module = modules[name]
        doc = ast.get_docstring(module.module, clean=True)
        if doc:
            blocks.append(DocBlock(name, "", module.path, 1, doc))
        blocks.extend(_nested_docs(module, module.module.body, ""))
    return tuple(blocks)


def _nested_docs(module: ParsedModule, body: list[ast.stmt], prefix: str) -> list[DocBlock]:
    found: list[DocBlock] = []
    for stmt in body:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = f"{prefix}{stmt.name}"
            doc = ast.get_docstring(stmt, clean=True)
            if doc:
                found.append(DocBlock(module.name, qualname, module.path, stmt.body[0].lineno, doc))
            if isinstance(stmt, ast.ClassDef):
                found.extend(_nested_docs(module, stmt.body, f"{qualname}."))
        elif isinstance(stmt, ast.If | ast.Try):
            found.extend(_nested_docs(module, stmt.body, prefix))
    return found
