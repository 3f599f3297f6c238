"""``markerc.records.record`` behaves as ``dataclasses.dataclass(frozen=True)``, the oracle.

The property test builds the same generated class twice, once with each decorator, and holds the
two to the same answers: which calls construct and which raise ``TypeError``, the repr, equality
and hashing between any two instances, refused assignment and deletion, ``replace``, the field
names and ``__match_args__``.  What records refuse on purpose (see the module docstring) is
tested on its own below.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from markerc import records
from markerc.records import FrozenRecordError, field, record, replace

NAMES = ("a", "b", "c", "d", "e")
VALUES = st.one_of(
    st.integers(-2, 2), st.sampled_from(["", "x", "y"]), st.tuples(st.integers(0, 1))
)


@st.composite
def field_specs(draw: st.DrawFn) -> list[tuple[str, str, Any, bool, bool]]:
    """(name, kind, default, compare, repr) per field; kind: required, default or factory."""
    n = draw(st.integers(0, len(NAMES)))
    out = []
    for name in NAMES[:n]:
        kind = draw(st.sampled_from(["required", "default", "factory", "field-default"]))
        out.append((name, kind, draw(VALUES), draw(st.booleans()), draw(st.booleans())))
    return out


def _namespace(specs: list[tuple[str, str, Any, bool, bool]], make_field: Any) -> dict[str, Any]:
    ns: dict[str, Any] = {"__annotations__": {name: "Any" for name, *_ in specs}}
    for name, kind, default, compare, shown in specs:
        if kind == "default":
            ns[name] = default
        elif kind == "field-default":
            ns[name] = make_field(default=default, compare=compare, repr=shown)
        elif kind == "factory":
            ns[name] = make_field(default_factory=dict, compare=compare, repr=shown)
        elif not (compare and shown):
            ns[name] = make_field(compare=compare, repr=shown)
    return ns


def _both(specs: list[tuple[str, str, Any, bool, bool]]) -> tuple[Any, Any] | None:
    """The dataclass and the record of ``specs``, or None when both refuse the class alike."""
    outcomes = []
    for decorate, make_field in (
        (dataclasses.dataclass(frozen=True), dataclasses.field),
        (record, field),
    ):
        try:
            outcomes.append(decorate(type("Rec", (), _namespace(specs, make_field))))
        except TypeError as e:
            outcomes.append(e)
    dc, rec = outcomes
    assert isinstance(dc, TypeError) == isinstance(rec, TypeError), (dc, rec)
    return None if isinstance(dc, TypeError) else (dc, rec)


CALLS = st.tuples(
    st.lists(VALUES, max_size=len(NAMES) + 1),
    st.dictionaries(st.sampled_from([*NAMES, "zz"]), VALUES, max_size=3),
)


def _call(cls: Any, call: tuple[list[Any], dict[str, Any]]) -> Any:
    try:
        return cls(*call[0], **call[1])
    except TypeError:
        return TypeError


def _hash(value: Any) -> Any:
    try:
        return hash(value)
    except TypeError:
        return TypeError


@given(field_specs(), CALLS, CALLS, st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=2))
def test_a_record_answers_as_a_frozen_dataclass(
    specs: list[tuple[str, str, Any, bool, bool]],
    first: tuple[list[Any], dict[str, Any]],
    second: tuple[list[Any], dict[str, Any]],
    changes: dict[str, Any],
) -> None:
    both = _both(specs)
    if both is None:
        return
    dc, rec = both
    assert records.fields(rec) == tuple(f.name for f in dataclasses.fields(dc))
    assert rec.__match_args__ == dc.__match_args__
    d1, r1 = _call(dc, first), _call(rec, first)
    d2, r2 = _call(dc, second), _call(rec, second)
    assert (d1 is TypeError) == (r1 is TypeError)
    assert (d2 is TypeError) == (r2 is TypeError)
    if d1 is TypeError:
        return
    assert repr(r1) == repr(d1)
    assert (_hash(r1) is TypeError) == (_hash(d1) is TypeError)
    if d2 is not TypeError:
        assert (r1 == r2) == (d1 == d2)
        assert (r1 != r2) == (d1 != d2)
        if r1 == r2 and _hash(r1) is not TypeError:
            assert hash(r1) == hash(r2)
    assert r1 == r1 and r1 != object()
    for name in [*records.fields(rec), "zz"]:
        with pytest.raises(FrozenRecordError):
            setattr(r1, name, 1)
        with pytest.raises(AttributeError):
            delattr(r1, name)
    known = {k: v for k, v in changes.items() if k in records.fields(rec)}
    assert repr(replace(r1, **known)) == repr(dataclasses.replace(d1, **known))
    if len(known) < len(changes):
        with pytest.raises(TypeError):
            replace(r1, **changes)


def test_the_class_attribute_is_the_default_as_dataclasses_leaves_it() -> None:
    @record
    class R:
        a: int
        b: int = 3
        c: int = field(default=4, compare=False)
        d: dict[str, int] = field(default_factory=dict)

    assert R.b == 3 and R.c == 4
    assert not hasattr(R, "a") and not hasattr(R, "d")
    first, second = R(1), R(1)
    assert first.d == {} and first.d is not second.d  # one factory call per instance


def test_what_a_record_refuses() -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @record
        class Mutable:
            a: list[int] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="ClassVar"):

        @record
        class WithClassVar:
            a: ClassVar[int] = 1

    @record
    class Base:
        a: int

    with pytest.raises(TypeError, match="inherit"):

        @record
        class Child(Base):
            b: int

    with pytest.raises(TypeError, match="__setattr__"):

        @record
        class OwnSetattr:
            a: int

            def __setattr__(self, name: str, value: object) -> None:
                raise AssertionError

    with pytest.raises(ValueError, match="both"):
        field(default=1, default_factory=int)


def test_a_records_own_methods_stay() -> None:
    @record
    class R:
        a: int

        def __repr__(self) -> str:
            return "mine"

    assert repr(R(1)) == "mine" and R(1) == R(1)


def test_cached_property_works_on_a_record() -> None:
    calls = []

    @record
    class R:
        a: int

        @functools.cached_property
        def double(self) -> int:
            calls.append(1)
            return self.a * 2

    r = R(2)
    assert r.double == 4 and r.double == 4 and calls == [1]
    assert r == R(2)  # the cached value is not a field


@pytest.mark.parametrize("arity", range(records.MAX_FIELDS + 1))
def test_every_arity_binds_as_a_dataclass(arity: int) -> None:
    """The template's code fitted to each number of fields: positional, keyword and default
    binding, and the errors, as the dataclass of the same fields (half of them defaulted)."""
    names = [f"x{i}" for i in range(arity)]
    required = names[: arity // 2]
    specs = [
        (n, "required" if n in required else "default", i, True, True) for i, n in enumerate(names)
    ]
    both = _both(specs)
    assert both is not None
    dc, rec = both
    values = list(range(100, 100 + arity))
    assert repr(rec(*values)) == repr(dc(*values))
    assert repr(rec(**dict(zip(names, values, strict=True)))) == repr(
        dc(**dict(zip(names, values, strict=True)))
    )
    assert repr(rec(*values[: len(required)])) == repr(dc(*values[: len(required)]))
    for bad_args, bad_kwargs in (
        ([*values, 0], {}),
        (values[: len(required) - 1], {}) if required else ((), {"zz": 1}),
        (
            (),
            {"f19": 1, **dict(zip(names, values, strict=True))},
        ),  # a template parameter is not a field
    ):
        with pytest.raises(TypeError):
            dc(*bad_args, **bad_kwargs)
        with pytest.raises(TypeError):
            rec(*bad_args, **bad_kwargs)


def test_fields_beyond_the_template_are_refused() -> None:
    too_many = {"__annotations__": {f"x{i}": "int" for i in range(records.MAX_FIELDS + 1)}}
    with pytest.raises(TypeError, match="at most"):
        record(type("Big", (), too_many))


def test_any_field_name_works_the_templates_own_names_included() -> None:
    """The template's parameters are renamed, so ``self`` and ``f3`` are field names like any."""
    rec = record(type("Names", (), {"__annotations__": {"self": "int", "f3": "int"}}))
    assert repr(rec(1, 2)) == repr(rec(self=1, f3=2)) == "Names(self=1, f3=2)"
    with pytest.raises(TypeError):
        rec(1, 2, f4=3)


def test_a_record_instance_is_as_small_as_a_frozen_dataclass_instance() -> None:
    """``__init__`` stores through ``object.__setattr__`` as dataclasses do, so the fields stay in
    the instance's inline values: storing through ``self.__dict__`` was 3 % faster on a whole-hub
    compile but made every instance a dict larger (64 bytes; 20 % more peak memory at 64x)."""
    import tracemalloc

    specs = [(n, "required", 0, True, True) for n in NAMES]
    both = _both(specs)
    assert both is not None
    sizes = []
    for cls in both:
        tracemalloc.start()
        held = [cls(i, 1, 2, 3, 4) for i in range(2000)]
        sizes.append(tracemalloc.get_traced_memory()[0] / len(held))
        tracemalloc.stop()
    dataclass_size, record_size = sizes
    assert record_size <= dataclass_size + 8, sizes


def _helper() -> str:
    return "called"


def test_defaults_read_back_as_given_whether_stored_or_not() -> None:
    """A plain default (None, a number, a string, a tuple) is not stored on the instance, the
    class attribute answers for it; any other default is stored, so that a function default reads
    back as the function, not as a method bound to the instance, as on a frozen dataclass."""

    @record
    class Rec:
        a: int
        b: str = "x"
        c: tuple[int, ...] = ()
        d: object = None
        f: Any = _helper
        g: Any = field(default=_helper, compare=False)

    @dataclasses.dataclass(frozen=True)
    class Ref:
        a: int
        b: str = "x"
        c: tuple[int, ...] = ()
        d: object = None
        f: Any = _helper
        g: Any = dataclasses.field(default=_helper, compare=False)

    for args in ((1,), (1, "x", (), None), (1, "y", (2,), 0, len)):
        rec, ref = Rec(*args), Ref(*args)
        assert [getattr(rec, n) for n in "abcdfg"] == [getattr(ref, n) for n in "abcdfg"]
        assert rec.f is ref.f and rec.g is _helper
        assert repr(rec).removeprefix(Rec.__qualname__) == repr(ref).removeprefix(Ref.__qualname__)
        assert hash(rec) == hash(replace(rec)) and rec == replace(rec, b=rec.b)
    assert Rec(1).f() == "called"
    assert "b" not in vars(Rec(1)) and "f" in vars(Rec(1))  # the plain default stays on the class
