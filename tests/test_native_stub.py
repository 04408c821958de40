"""``graph/_native.pyi`` states everything ``graph._native`` exports, as the bindings declare it: the
stub is generated from them (scripts/generate_native_stub.py) and a stale one fails here, as does a
function, class, method or attribute without its stub entry or without a docstring, so mypy and
readers never stop at a call into the native core."""

import ast
import inspect
from pathlib import Path
from types import WrapperDescriptorType

from generate_native_stub import generate

from graph import _native

STUB = Path(__file__).resolve().parent.parent / "graph" / "_native.pyi"
DUNDERS_STATED = {"__init__", "__new__"}


def _stub_classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)}


def _stub_members(
    cls: ast.ClassDef, classes: dict[str, ast.ClassDef]
) -> dict[str, ast.FunctionDef]:
    """A stub class's methods by name: its own; those of the stub's own (private, ``_``-named)
    bases it derives from, stated once for the classes that share them; and its attributes typed
    by a private protocol, a callable whose ``__call__`` states the method (one signature for
    methods that take the same parameters)."""
    members: dict[str, ast.FunctionDef] = {}
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id.startswith("_") and base.id in classes:
            members |= _stub_members(classes[base.id], classes)
    for member in cls.body:
        if isinstance(member, ast.FunctionDef):
            members[member.name] = member
        elif (
            isinstance(member, ast.AnnAssign)
            and isinstance(member.target, ast.Name)
            and isinstance(member.annotation, ast.Name)
            and member.annotation.id in classes
        ):
            protocol = _stub_members(classes[member.annotation.id], classes)
            members[member.target.id] = protocol["__call__"]
    return members


def _stub_names() -> dict[str, set[str] | None]:
    """Module-level names the stub declares (public ones), each class with its members."""
    tree = ast.parse(STUB.read_text())
    classes = _stub_classes(tree)
    names: dict[str, set[str] | None] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            names[statement.name] = None
        elif isinstance(statement, ast.ClassDef):
            names[statement.name] = set(_stub_members(statement, classes))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names[statement.target.id] = None
    return {name: members for name, members in names.items() if not name.startswith("_")}


def _runtime_names() -> dict[str, set[str] | None]:
    names: dict[str, set[str] | None] = {}
    for name, value in vars(_native).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(value):
            members = {member for member in vars(value) if not member.startswith("_")}
            declared = type(value).__name__ == "nb_type"  # nanobind's: __init__ makes them
            # a nanobind class without a constructor has a slot wrapper that refuses to make one
            refuses = declared and isinstance(value.__init__, WrapperDescriptorType)
            if value.__init__ is not object.__init__ and not refuses:
                members.add("__init__")
            if value.__new__ is not object.__new__ and "__init__" not in members and not declared:
                members.add("__new__")
            names[name] = members
        else:
            names[name] = None
    return names


def test_the_stub_names_every_export_of_the_module_and_nothing_else():
    stub, runtime = _stub_names(), _runtime_names()
    assert sorted(stub) == sorted(runtime), (
        "graph/_native.pyi and graph._native export different names"
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


def _subclassable(cls: type) -> bool:
    """Whether Python code can derive from ``cls`` (nanobind refuses a final class's subclass when
    it is made, not by the type's flags)."""
    try:
        type("Derived", (cls,), {})
    except TypeError:
        return False
    return True


def test_a_class_is_final_in_the_stub_exactly_when_it_cannot_be_subclassed():
    for statement in ast.parse(STUB.read_text()).body:
        if isinstance(statement, ast.ClassDef) and not statement.name.startswith("_"):
            final = any(
                isinstance(d, ast.Name) and d.id == "final" for d in statement.decorator_list
            )
            subclassable = _subclassable(getattr(_native, statement.name))
            assert final != subclassable, (
                f"{statement.name}: @final only if it cannot be subclassed"
            )


def test_the_checked_in_stub_is_what_the_bindings_generate():
    """graph/_native.pyi is generated (scripts/generate_native_stub.py) from the signatures and
    docstrings the nanobind declarations state: a binding changed without regenerating it fails."""
    assert STUB.read_text() == generate(), (
        "graph/_native.pyi is stale: run .venv/bin/python scripts/generate_native_stub.py"
    )


def test_every_class_and_function_of_the_stub_says_what_it_is_for():
    """A reader of a call into the native core finds its purpose in the stub (mypy and editors
    show these docstrings), not only in the C++."""
    undocumented = []
    for statement in ast.parse(STUB.read_text()).body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            if not ast.get_docstring(statement):
                undocumented.append(statement.name)
            if isinstance(statement, ast.ClassDef):
                undocumented += [
                    f"{statement.name}.{member.name}"
                    for member in statement.body
                    if isinstance(member, ast.FunctionDef) and not ast.get_docstring(member)
                ]
                body = statement.body
                undocumented += [  # a method stated as an attribute: the string after it
                    f"{statement.name}.{member.target.id}"
                    for member, after in zip(body, [*body[1:], None], strict=True)
                    if isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name)
                    if not (
                        isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)
                    )
                ]
    assert not undocumented, f"no docstring in graph/_native.pyi: {undocumented}"
