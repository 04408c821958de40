"""``graph/_native.pyi`` states everything ``graph._native`` exports: a function, class, method or
attribute added to the bindings without its stub entry (or left in the stub after it went) fails
here, so mypy and readers never stop at a call into the native core."""

import ast
import inspect
from pathlib import Path

from graph import _native

STUB = Path(__file__).resolve().parent.parent / "graph" / "_native.pyi"
DUNDERS_STATED = {"__init__", "__new__"}


def _stub_names() -> dict[str, set[str] | None]:
    """Module-level names the stub declares (public ones), each class with its members."""
    names: dict[str, set[str] | None] = {}
    for statement in ast.parse(STUB.read_text()).body:
        if isinstance(statement, ast.FunctionDef):
            names[statement.name] = None
        elif isinstance(statement, ast.ClassDef):
            names[statement.name] = {
                member.name for member in statement.body if isinstance(member, ast.FunctionDef)
            }
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
            if value.__init__ is not object.__init__:
                members.add("__init__")
            if value.__new__ is not object.__new__ and "__init__" not in members:
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


def _documented_parameters(doc: str, name: str) -> list[str]:
    """The parameters of the call a docstring opens with (``name(a, [(b, c)], d=None)``: three)."""
    parameters, depth, current = [], 0, ""
    for char in doc[len(name) + 1 :]:
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                break
            depth -= 1
        if char == "," and depth == 0:
            parameters.append(current.strip())
            current = ""
        else:
            current += char
    return [*parameters, current.strip()] if current.strip() else parameters


def test_a_class_is_final_in_the_stub_exactly_when_it_cannot_be_subclassed():
    base_type = 1 << 10  # Py_TPFLAGS_BASETYPE
    for statement in ast.parse(STUB.read_text()).body:
        if isinstance(statement, ast.ClassDef):
            final = any(
                isinstance(d, ast.Name) and d.id == "final" for d in statement.decorator_list
            )
            subclassable = bool(getattr(_native, statement.name).__flags__ & base_type)
            assert final != subclassable, (
                f"{statement.name}: @final only if it cannot be subclassed"
            )


def test_the_stub_signatures_match_the_documented_arities():
    """Each native function's docstring opens with its call, ``name(a, b, c=None)``: the stub takes
    the same number of parameters (``*rest`` for a variadic tail)."""
    tree = ast.parse(STUB.read_text())
    functions: dict[str, ast.FunctionDef] = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            functions[statement.name] = statement
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, ast.FunctionDef):
                    functions[f"{statement.name}.{member.name}"] = member
    wrong = []
    for qualified, stub in functions.items():
        owner, _, name = qualified.rpartition(".")
        runtime = getattr(getattr(_native, owner) if owner else _native, name, None)
        doc = getattr(runtime, "__doc__", None) or ""
        if name.startswith("__") or not doc.startswith(f"{name}("):
            continue
        documented = _documented_parameters(doc, name)
        args = stub.args
        stated = (
            len(args.posonlyargs) + len(args.args) - (1 if owner else 0) + (1 if args.vararg else 0)
        )
        if stated != len(documented):
            wrong.append(f"{qualified}: the module documents {documented}, the stub takes {stated}")
    assert not wrong, "\n".join(wrong)


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
    assert not undocumented, f"no docstring in graph/_native.pyi: {undocumented}"
