"""Immutable records: ``@record`` is ``dataclass(frozen=True)`` without its start-up cost.

markerc's stages pass immutable value records.  The standard library's frozen dataclasses are
exactly that, but each class costs about 0.7 ms to define (``dataclasses`` writes the source of
six methods and compiles it) and importing ``dataclasses`` pulls in ``inspect``, ``ast``,
``dis`` and ``tokenize``: together about 40 ms of a one-model ``markerc check``, a third of its
run, most of it before any work (docs/performance.md).  ``record`` writes and compiles no source:
``__init__`` is one hand-written template whose code object is fitted to each class (see
:func:`_init_template`), so it binds arguments as fast as a dataclass's; the other methods are
closures.  A class costs about 50 us.  The field names it puts into code objects come from
markerc's own class definitions, never from input.

What a record class gets, as ``dataclass(frozen=True)`` gives it:

- ``__init__`` with the fields in order, positional or by keyword; a field is required unless it
  has a default (``name: T = value`` or ``field(default=...)``) or a ``default_factory``, and a
  required field may not follow one that is not (``TypeError``, as dataclasses);
- ``__eq__`` comparing the fields with ``compare=True`` (the default), for the same class only;
  ``__hash__`` over the same fields; ``__repr__`` of the fields with ``repr=True``;
- ``__setattr__`` and ``__delattr__`` that raise ``FrozenRecordError`` (an ``AttributeError``);
- ``__match_args__``, and ``fields(cls)`` with the names in order, and ``replace``.

Left out because markerc does not use them, and refused rather than silently ignored:
inheritance between records, ``ClassVar`` and ``InitVar`` annotations, and mutable defaults (a
``list``, ``dict`` or ``set``, or any unhashable value, as dataclasses refuses them).
Instances keep a ``__dict__``, so ``functools.cached_property`` works as on a frozen dataclass.
A field left at a plain default (``None``, a number, a string, a tuple) is not stored on the
instance: the class attribute, which is that default (as on a dataclass), answers for it, and a
record made with mostly defaults (a ``Source`` has 11 fields, usually 4 given) costs half as
much to make.
``tests/test_records.py`` holds records to dataclasses as the oracle, over generated classes.
"""

from __future__ import annotations

from operator import attrgetter
from types import CellType, FunctionType
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options: object) -> Any:
        return lambda decorator: decorator


_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)


class FrozenRecordError(AttributeError):
    """Assigning to or deleting a field of a record (``dataclasses.FrozenInstanceError``)."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


class Field:
    """A field's options: what ``field(...)`` returns in a class body."""

    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


@overload
def field(*, default: _T, compare: bool = True, repr: bool = True) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], compare: bool = True, repr: bool = True) -> _T: ...
@overload
def field(*, compare: bool = True, repr: bool = True) -> Any: ...
def field(
    *,
    default: Any = _MISSING,
    default_factory: Any = _MISSING,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field with options, as ``dataclasses.field`` (``default``, ``default_factory``,
    ``compare``, ``repr``)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare, repr)


def _refuse(self: object, name: str, value: object = None) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _refuse_delete(self: object, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")


def _no_fields(_self: object) -> tuple[()]:
    return ()


def _own_fields(cls: type) -> list[tuple[str, Field]]:
    # not inspect.get_annotations: importing inspect is the cost this module avoids
    annotations = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if annotations is None:
        annotations = getattr(cls, "__annotations__", {})
    out: list[tuple[str, Field]] = []
    seen_default = False
    for name, annotation in annotations.items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.split("[")[0].rsplit(".", 1)[-1] in ("ClassVar", "InitVar"):
            raise TypeError(f"{cls.__qualname__}.{name}: ClassVar and InitVar are not supported")
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(value, _MISSING, True, True)
        default = spec.default
        if default is not _MISSING and type(default).__hash__ is None:
            raise ValueError(
                f"mutable default {type(default)} for field {name} is not allowed: "
                "use default_factory"
            )
        has_default = default is not _MISSING or spec.default_factory is not _MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        seen_default = seen_default or has_default
        if isinstance(value, Field):  # the class attribute is the default, as dataclasses leaves it
            if default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, default)
        out.append((name, spec))
    return out


class _Factory:
    """The default of a field with a ``default_factory``: replaced by a call of it."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


#: the most fields a record may have (the parameters of the template below)
MAX_FIELDS = 20

_set = object.__setattr__

#: the free-variable default of a field whose value is always stored (no argument is it)
_NEVER: Any = _Missing()
#: defaults that stay on the class, not on each instance: values that are no descriptor (a
#: function default would read as a bound method through the class)
_PLAIN_DEFAULTS = frozenset({type(None), bool, int, float, str, bytes, tuple, frozenset})


def _init_template() -> Callable[..., None]:
    """The ``__init__`` of every record, before :func:`_make_init` fits it to a class.

    A record's ``__init__`` must take its fields by name and position, with the defaults, as a
    dataclass's does, and run as fast (records are made by the ten thousand), but markerc
    compiles no source.  So this one function is written out for 20 fields, and ``_make_init``
    copies its code with ``CodeType.replace``: ``co_argcount`` cut to the class's fields, the
    parameters renamed to the field names, ``__defaults__`` the field defaults, and the free
    variables ``n0``... holding the field names, ``d0``... the plain defaults (a value that is
    one is not stored) and ``arity`` their number.  The body stops at ``arity``, so it never reads
    a parameter the copy does not have.
    """
    arity = 0
    n0 = n1 = n2 = n3 = n4 = n5 = n6 = n7 = n8 = n9 = ""
    n10 = n11 = n12 = n13 = n14 = n15 = n16 = n17 = n18 = n19 = ""
    d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = d8 = d9 = _NEVER
    d10 = d11 = d12 = d13 = d14 = d15 = d16 = d17 = d18 = d19 = _NEVER

    def __init__(
        self: Any,
        f0: Any,
        f1: Any,
        f2: Any,
        f3: Any,
        f4: Any,
        f5: Any,
        f6: Any,
        f7: Any,
        f8: Any,
        f9: Any,
        f10: Any,
        f11: Any,
        f12: Any,
        f13: Any,
        f14: Any,
        f15: Any,
        f16: Any,
        f17: Any,
        f18: Any,
        f19: Any,
    ) -> None:
        if arity == 0:
            return
        if f0 is not d0:
            _set(self, n0, f0)
        if arity == 1:
            return
        if f1 is not d1:
            _set(self, n1, f1)
        if arity == 2:
            return
        if f2 is not d2:
            _set(self, n2, f2)
        if arity == 3:
            return
        if f3 is not d3:
            _set(self, n3, f3)
        if arity == 4:
            return
        if f4 is not d4:
            _set(self, n4, f4)
        if arity == 5:
            return
        if f5 is not d5:
            _set(self, n5, f5)
        if arity == 6:
            return
        if f6 is not d6:
            _set(self, n6, f6)
        if arity == 7:
            return
        if f7 is not d7:
            _set(self, n7, f7)
        if arity == 8:
            return
        if f8 is not d8:
            _set(self, n8, f8)
        if arity == 9:
            return
        if f9 is not d9:
            _set(self, n9, f9)
        if arity == 10:
            return
        if f10 is not d10:
            _set(self, n10, f10)
        if arity == 11:
            return
        if f11 is not d11:
            _set(self, n11, f11)
        if arity == 12:
            return
        if f12 is not d12:
            _set(self, n12, f12)
        if arity == 13:
            return
        if f13 is not d13:
            _set(self, n13, f13)
        if arity == 14:
            return
        if f14 is not d14:
            _set(self, n14, f14)
        if arity == 15:
            return
        if f15 is not d15:
            _set(self, n15, f15)
        if arity == 16:
            return
        if f16 is not d16:
            _set(self, n16, f16)
        if arity == 17:
            return
        if f17 is not d17:
            _set(self, n17, f17)
        if arity == 18:
            return
        if f18 is not d18:
            _set(self, n18, f18)
        if arity == 19:
            return
        if f19 is not d19:
            _set(self, n19, f19)

    return __init__


_TEMPLATE = _init_template().__code__


def _make_init(cls: type, specs: list[tuple[str, Field]]) -> Callable[..., None]:
    """``cls.__init__``: the template's code fitted to the fields (see :func:`_init_template`)."""
    names = [name for name, _ in specs]
    arity = len(names)
    if arity > MAX_FIELDS:
        raise TypeError(f"{cls.__qualname__}: a record has at most {MAX_FIELDS} fields")
    # ``.0`` is how CPython names its own hidden locals: no field name can be one of these
    varnames = (".self", *names, *(f".{i}" for i in range(arity + 1, _TEMPLATE.co_nlocals)))
    options: dict[str, Any] = {"co_argcount": arity + 1, "co_varnames": varnames}
    if hasattr(_TEMPLATE, "co_qualname"):  # Python 3.11 and later
        options["co_qualname"] = f"{cls.__qualname__}.__init__"
    code = _TEMPLATE.replace(**options)
    values: dict[str, Any] = {"arity": arity}
    values.update((f"n{i}", name) for i, name in enumerate(names))
    # a plain default is not stored: the class attribute, which is the default, answers for it
    values.update(
        (f"d{i}", spec.default)
        for i, (_, spec) in enumerate(specs)
        if spec.default_factory is _MISSING and type(spec.default) in _PLAIN_DEFAULTS
    )
    closure = tuple(CellType(values.get(free, _NEVER)) for free in code.co_freevars)
    defaults = tuple(
        spec.default if spec.default_factory is _MISSING else _Factory(spec.default_factory)
        for _, spec in specs
        if spec.default is not _MISSING or spec.default_factory is not _MISSING
    )
    init: Callable[..., None] = FunctionType(code, globals(), "__init__", defaults or None, closure)
    factories = [(names[len(names) - len(defaults) + i], d) for i, d in enumerate(defaults)]
    factories = [(name, mark) for name, mark in factories if type(mark) is _Factory]
    if not factories:
        return init

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        for name, mark in factories:
            if getattr(self, name) is mark:
                _set(self, name, mark.make())

    return __init__


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: _C) -> _C:
    """Make ``cls`` an immutable value record (see the module docstring)."""
    for base in cls.__mro__[1:]:
        if "__record_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record cannot inherit from a record")
    specs = _own_fields(cls)
    names = tuple(name for name, _ in specs)
    __init__ = _make_init(cls, specs)

    compared = tuple(name for name, s in specs if s.compare)
    # always a tuple (``attrgetter`` of one name would give the bare value)
    key: Callable[[Any], Any]
    if not compared:
        key = _no_fields
    else:
        key = attrgetter(*compared, compared[0]) if len(compared) == 1 else attrgetter(*compared)

    def __eq__(self: Any, other: object) -> Any:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(key(self))

    shown = tuple(name for name, s in specs if s.repr)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"

    for name, method in (
        ("__init__", __init__),
        ("__eq__", __eq__),
        ("__hash__", __hash__),
        ("__repr__", __repr__),
        ("__setattr__", _refuse),
        ("__delattr__", _refuse_delete),
    ):
        if name in cls.__dict__:  # the class's own method stays, as dataclasses leaves it
            if name in ("__setattr__", "__delattr__"):
                raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
            continue
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    setattr(cls, "__match_args__", names)  # noqa: B010
    setattr(cls, "__record_fields__", names)  # noqa: B010
    return cls


def fields(cls_or_record: object) -> tuple[str, ...]:
    """The field names of a record class or instance, in order."""
    names: tuple[str, ...] = getattr(cls_or_record, "__record_fields__")  # noqa: B009
    return names


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of the record ``obj`` with the named fields changed (``dataclasses.replace``)."""
    names = fields(obj)
    for name in changes:
        if name not in names:
            raise TypeError(f"{type(obj).__qualname__} has no field {name!r}")
    return type(obj)(*[changes[n] if n in changes else getattr(obj, n) for n in names])
