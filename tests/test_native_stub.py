"""``graph/_native.pyi`` is the one statement of what ``graph._native`` offers Python: its signatures,
types and docstrings, written by hand, are what mypy, editors and readers see; the bindings
(native/bindings/) state only what nanobind needs to bind. This holds the two to each other, so a
binding and its stub entry cannot drift apart: every export of the module has its stub entry and
the stub nothing more; every function and method takes the parameters its stub entry states, as
nanobind reports them (``__nb_signature__``): their count, order and kind (positional-only,
keyword, ``*args``), the names a caller may pass by keyword, and their defaults; the types where
the C++ declaration names one, and None taken exactly where the stub lets it through; a property is
one in both; a class is @final exactly when it cannot be subclassed; every stub entry says what it
is for, and the bindings state no signature or docstring of their own (the stub's are the only ones).
"""

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import WrapperDescriptorType
from typing import Any

from graph import _native

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "graph" / "_native.pyi"
BINDINGS = ROOT / "native" / "bindings"
DUNDERS_STATED = {"__init__", "__new__"}
P = inspect.Parameter
# A parameter: its kind, its name (which matters only where a caller may pass it by keyword), its
# default (NO_DEFAULT: none; Ellipsis: one the stub does not spell, ``...``).
Param = tuple[Any, str, object]
NO_DEFAULT = inspect.Parameter.empty


def _stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def _decorators(fn: ast.FunctionDef | ast.ClassDef) -> set[str]:
    return {ast.unparse(d) for d in fn.decorator_list}


def _stub_members(cls: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AnnAssign]:
    """A stub class's members by name: methods (a property's getter), and attributes."""
    members: dict[str, ast.FunctionDef | ast.AnnAssign] = {}
    for member in cls.body:
        if isinstance(member, ast.FunctionDef):
            members.setdefault(member.name, member)  # a property's setter follows its getter
        elif isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
            members[member.target.id] = member
    return members


def _stub_entries() -> dict[str, ast.stmt]:
    """The stub's public module-level entries by name."""
    entries: dict[str, ast.stmt] = {}
    for statement in _stub_tree().body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            entries[statement.name] = statement
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            entries[statement.target.id] = statement
    return {name: entry for name, entry in entries.items() if not name.startswith("_")}


def _stub_names() -> dict[str, set[str] | None]:
    """Module-level names the stub declares (public ones), each class with its members."""
    return {
        name: set(_stub_members(entry)) if isinstance(entry, ast.ClassDef) else None
        for name, entry in _stub_entries().items()
    }


def _runtime_members(cls: Any) -> set[str]:
    members = {member for member in vars(cls) if not member.startswith("_")}
    declared = type(cls).__name__ == "nb_type"  # nanobind's: __init__ makes them
    # a nanobind class without a constructor has a slot wrapper that refuses to make one
    refuses = declared and isinstance(cls.__init__, WrapperDescriptorType)
    if cls.__init__ is not object.__init__ and not refuses:
        members.add("__init__")
    if cls.__new__ is not object.__new__ and "__init__" not in members and not declared:
        members.add("__new__")
    return members


def _runtime_names() -> dict[str, set[str] | None]:
    return {
        name: _runtime_members(value) if inspect.isclass(value) else None
        for name, value in vars(_native).items()
        if not name.startswith("_")
    }


def test_the_stub_names_every_export_of_the_module_and_nothing_else():
    stub, runtime = _stub_names(), _runtime_names()
    assert sorted(stub) == sorted(runtime), (
        f"graph/_native.pyi lacks {sorted(set(runtime) - set(stub))}, "
        f"states {sorted(set(stub) - set(runtime))} graph._native lacks"
    )
    for name, members in runtime.items():
        if members is None:
            assert stub[name] is None, f"{name} is a class in the stub only"
            continue
        stated = stub[name] or set()
        assert stated - DUNDERS_STATED == members - DUNDERS_STATED, (
            f"{name}: the stub lacks {sorted(members - stated)}, states {sorted(stated - members)} the module lacks"
        )
        assert stated & DUNDERS_STATED == members & DUNDERS_STATED, (
            f"{name}: construct it as the module does"
        )


def _split(text: str, separator: str = ",") -> list[str]:
    """``text`` split at ``separator`` outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for at, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, at):
            parts.append(text[start:at].strip())
            start = at + len(separator)
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _runtime_params(function: Any) -> list[Param]:
    """The parameters of a nanobind function, from the signature nanobind renders of its C++
    declaration: names where nb::arg gives them (``argN`` where not: positional-only), ``*``, ``/``,
    and each default's value."""
    ((signature, _doc, defaults),) = function.__nb_signature__  # no overloads
    opening = signature.index("(")
    closing = signature.rindex(") ->")  # the return type may hold brackets, never ") ->"
    params: list[Param] = []
    keyword_only = False
    for text in _split(signature[opening + 1 : closing]):
        if text == "/":
            params = [(P.POSITIONAL_ONLY, name, default) for _, name, default in params]
        elif text == "*":
            keyword_only = True
        elif text.startswith("**"):
            params.append((P.VAR_KEYWORD, text[2:], NO_DEFAULT))
        elif text.startswith("*"):
            params.append((P.VAR_POSITIONAL, text[1:].split(":")[0], NO_DEFAULT))
            keyword_only = True
        else:
            declared = _split(text, " = ")
            default: object = NO_DEFAULT
            if len(declared) == 2:
                reference = re.fullmatch(r"\\(=?)(\d+)", declared[1])
                if reference is None:  # written out by the declaration itself
                    default = _literal(declared[1])
                elif reference[1]:  # nb::arg().sig(text): the text
                    default = _literal(defaults[int(reference[2])])
                else:
                    default = defaults[int(reference[2])]
            name = declared[0].split(":")[0].strip()
            params.append(
                (P.KEYWORD_ONLY if keyword_only else P.POSITIONAL_OR_KEYWORD, name, default)
            )
    return params


def _stub_default(node: ast.expr | None) -> object:
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    return _literal(ast.unparse(node))


def _stub_params(function: ast.FunctionDef) -> list[Param]:
    a = function.args
    positional = [*a.posonlyargs, *a.args]
    defaults = [None] * (len(positional) - len(a.defaults)) + a.defaults
    params: list[Param] = [
        (
            P.POSITIONAL_ONLY if i < len(a.posonlyargs) else P.POSITIONAL_OR_KEYWORD,
            arg.arg,
            _stub_default(default),
        )
        for i, (arg, default) in enumerate(zip(positional, defaults, strict=True))
    ]
    if a.vararg:
        params.append((P.VAR_POSITIONAL, a.vararg.arg, NO_DEFAULT))
    params += [
        (P.KEYWORD_ONLY, arg.arg, _stub_default(default))
        for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True)
    ]
    if a.kwarg:
        params.append((P.VAR_KEYWORD, a.kwarg.arg, NO_DEFAULT))
    return params


def _same_default(stub: object, runtime: object) -> bool:
    """The stub spells a default as the module's value, or as ``...`` for one without a literal."""
    if stub is NO_DEFAULT or runtime is NO_DEFAULT:
        return stub is runtime
    try:
        literal = type(runtime) is type(ast.literal_eval(repr(runtime)))
    except (ValueError, SyntaxError):
        literal = False
    if not literal:
        return stub is Ellipsis
    return type(stub) is type(runtime) and stub == runtime


def _same_param(stub: Param, runtime: Param) -> bool:
    (kind, name, default), (runtime_kind, runtime_name, runtime_default) = stub, runtime
    named = kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY)  # else no caller names it
    return (
        kind is runtime_kind
        and (name == runtime_name or not named)
        and _same_default(default, runtime_default)
    )


def _same_params(stub: list[Param], runtime: list[Param]) -> bool:
    return len(stub) == len(runtime) and all(map(_same_param, stub, runtime))


def _shown(params: list[Param]) -> str:
    def one(kind: Any, name: str, default: object) -> str:
        spelled = {P.VAR_POSITIONAL: "*", P.VAR_KEYWORD: "**"}.get(kind, "") + name
        return spelled + ("" if default is NO_DEFAULT else f"={default!r}")

    shown = [one(*param) for param in params]
    only = sum(kind is P.POSITIONAL_ONLY for kind, _, _ in params)
    return ", ".join(shown[:only] + ["/"] * bool(only) + shown[only:])


def _pairs() -> Iterator[tuple[str, ast.FunctionDef, Any]]:
    """Every function and method of the stub with the module's object for it (a property: its
    getter), named as a reader would."""
    for name, entry in _stub_entries().items():
        if isinstance(entry, ast.FunctionDef):
            yield name, entry, getattr(_native, name)
        elif isinstance(entry, ast.ClassDef):
            cls = getattr(_native, name)
            for member, stated in _stub_members(entry).items():
                value = vars(cls).get(member)
                if isinstance(stated, ast.FunctionDef) and value is not None:
                    yield f"{name}.{member}", stated, value


def test_every_function_and_method_takes_the_parameters_its_stub_states():
    """What mypy checks a call against is what the module accepts: the same parameters in the same
    order, each positional-only or passed by the same keyword, with the same default (the stub
    spells a literal one as it is, another as ``...``)."""
    differing = []
    for where, stated, value in _pairs():
        decorators = _decorators(stated)
        if isinstance(value, property):
            if "property" not in decorators:
                differing.append(f"{where}: a property in the module, not in the stub")
            if (value.fset is not None) != any(d.endswith(".setter") for d in decorators):
                differing.append(f"{where}: settable in the module or in the stub only")
            value = value.fget
        elif "property" in decorators:
            differing.append(f"{where}: a property in the stub, not in the module")
        if ("staticmethod" in decorators) != (type(value).__name__ == "nb_func" and "." in where):
            differing.append(f"{where}: a staticmethod in the module or in the stub only")
        stub, runtime = _stub_params(stated), _runtime_params(value)
        if not _same_params(stub, runtime):
            differing.append(
                f"{where}: the stub states ({_shown(stub)}), the module takes ({_shown(runtime)})"
            )
    assert not differing, "graph/_native.pyi and graph._native differ:\n" + "\n".join(differing)


def _runtime_types(function: Any) -> tuple[list[str], str]:
    """The types nanobind renders of a function's C++ parameters (but ``self``) and its result:
    ``object`` for an ``nb::handle``/``nb::object``, ``T | None`` where None is taken."""
    ((signature, _doc, _defaults),) = function.__nb_signature__
    opening, closing = signature.index("("), signature.rindex(") ->")
    types = [
        _split(text.split(":", 1)[1], " = ")[0]
        for text in _split(signature[opening + 1 : closing])
        if ":" in text and not text.startswith("*")
    ]
    return types, signature[closing + len(") ->") :].strip()


def _members_of(annotation: ast.expr, aliases: dict[str, ast.expr]) -> list[ast.expr]:
    """The members of a stub annotation's union, the stub's private aliases expanded."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _members_of(annotation.left, aliases) + _members_of(annotation.right, aliases)
    if isinstance(annotation, ast.Name) and annotation.id in aliases:
        return _members_of(aliases[annotation.id], aliases)
    return [annotation]


def _head(text: str) -> str:
    """A type's class without its module or parameters: ``collections.abc.Sequence[str]`` is ``Sequence``."""
    return text.split("[")[0].rsplit(".", 1)[-1]


def _disagreement(
    runtime: str, stated: ast.expr, aliases: dict[str, ast.expr], result: bool
) -> str:
    """How a stub annotation and the type the binding renders for it disagree ("" when they agree):
    None where the stub lets it through and the module refuses it (or answers it, unstated); a
    class the module names (not ``object``) and the stub does not."""
    heads = {_head(ast.unparse(member)) for member in _members_of(stated, aliases)}
    base = runtime.removesuffix(" | None")
    takes_none = base != runtime
    if not result and heads & {"None", "object"} and not takes_none:
        return "the stub lets None through, the module refuses it"
    if result and takes_none and not heads & {"None", "object", "Any"}:
        return "the module may answer None, the stub does not say so"
    if base == "object":
        return ""
    accepted = {_head(base), "Any"} | ({"Literal"} if _head(base) == "str" else set())
    if heads - {"None"} <= accepted:
        return ""
    return f"the stub states {ast.unparse(stated)}, the module {runtime}"


def test_the_stub_states_the_types_the_bindings_name():
    """Where a binding's C++ types name a Python type (``str``, ``int``, ``bool``, a container's
    kind, a class of the module; not a handle, ``object``), the stub states that type; it lets None
    through only where the module takes it (mypy would pass a None the module refuses); and it
    types each constant of the module by its class."""
    aliases = {
        s.targets[0].id: s.value
        for s in _stub_tree().body
        if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)
    }
    differing = []
    for where, stated, value in _pairs():
        function = value.fget if isinstance(value, property) else value
        types, returned = _runtime_types(function)
        a = stated.args
        annotations = [arg.annotation for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
        annotations = (
            annotations[1:]
            if "." in where and "staticmethod" not in _decorators(stated)
            else annotations
        )
        if len(types) != len(annotations):
            continue  # the parameters differ: test_every_function_and_method_takes_... says how
        for i, (runtime, annotation) in enumerate(zip(types, annotations, strict=True)):
            why = annotation and _disagreement(runtime, annotation, aliases, result=False)
            if why:
                differing.append(f"{where}, parameter {i + 1}: {why}")
        why = stated.returns and _disagreement(returned, stated.returns, aliases, result=True)
        if why:
            differing.append(f"{where}, its result: {why}")
    for name, entry in _stub_entries().items():  # the module's constants: their class
        if isinstance(entry, ast.AnnAssign):
            held = type(getattr(_native, name)).__name__
            if held != _head(ast.unparse(entry.annotation)):
                differing.append(
                    f"{name}: the stub states {ast.unparse(entry.annotation)}, the module holds a {held}"
                )
    assert not differing, "graph/_native.pyi and graph._native differ:\n" + "\n".join(differing)


def test_the_bindings_state_no_signature_or_docstring_of_their_own():
    """The stub is the one statement of them: a declaration's ``nb::sig`` or docstring would be a
    second, free to drift from it (nanobind renders its signatures from the C++ declarations)."""
    stated = []
    for name, value in vars(_native).items():
        if name.startswith("_"):
            continue
        members = vars(value).items() if inspect.isclass(value) else [("", value)]
        if inspect.isclass(value) and value.__doc__:
            stated.append(name)
        for member, item in members:
            function = item.fget if isinstance(item, property) else item
            if any(doc for _, doc, _ in getattr(function, "__nb_signature__", ())):
                stated.append(f"{name}.{member}".rstrip("."))
    assert not stated, f"docstrings in the bindings (state them in graph/_native.pyi): {stated}"
    signed = [
        f"{path.name}:{number}"
        for path in sorted(BINDINGS.iterdir())
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "nb::sig(" in line
    ]
    assert not signed, f"nb::sig in the bindings (state it in graph/_native.pyi): {signed}"


def _subclassable(cls: type) -> bool:
    """Whether Python code can derive from ``cls`` (nanobind refuses a final class's subclass when
    it is made, not by the type's flags)."""
    try:
        type("Derived", (cls,), {})
    except TypeError:
        return False
    return True


def test_a_class_is_final_in_the_stub_exactly_when_it_cannot_be_subclassed():
    for name, entry in _stub_entries().items():
        if isinstance(entry, ast.ClassDef):
            final = "final" in _decorators(entry)
            assert final != _subclassable(getattr(_native, name)), (
                f"{name}: @final only if it cannot be subclassed"
            )


def test_every_class_and_function_of_the_stub_says_what_it_is_for():
    """A reader of a call into the native core finds its purpose in the stub (mypy and editors
    show these docstrings), the one place it is written."""
    undocumented = []
    for statement in _stub_tree().body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            if not ast.get_docstring(statement):
                undocumented.append(statement.name)
            if isinstance(statement, ast.ClassDef):
                undocumented += [
                    f"{statement.name}.{member.name}"
                    for member in statement.body
                    if isinstance(member, ast.FunctionDef) and not ast.get_docstring(member)
                    if not any(d.endswith(".setter") for d in _decorators(member))
                ]
    assert not undocumented, f"no docstring in graph/_native.pyi: {undocumented}"
