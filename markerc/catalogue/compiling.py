"""The rule registry, MK501-MK521: compile, the resolver and the command line."""

from __future__ import annotations

from markerc.catalogue.records import CHECK_COMPILE, Example, Rule

_COMPILE = "Compile, lock and the command line"

RULES: tuple[Rule, ...] = (
    Rule(
        "MK501",
        "unbound-variable",
        "error",
        "unbound variable",
        _COMPILE,
        "A template or custom variable the marker still needs after folding has no value for the "
        "target; the message names the flag that binds it (`--set`, `--target`).",
        Example(('x ; cuda_version < "13.0"',), args=("compile", "{hub}", "--engine", "sglang")),
        Example(
            ('x ; cuda_version < "13.0"',),
            args=("compile", "{hub}", "--engine", "sglang", "--set", "cuda_version=12.8"),
        ),
        stages=("compile",),
    ),
    Rule(
        "MK502",
        "conflicting-requirements",
        "error",
        "conflicting requirements for one name where their conditions overlap",
        _COMPILE,
        "Two requirement lines of one model for the same PEP 503 name whose conditions can both "
        "hold (decided exactly by the marker algebra, whatever the spelling of the markers) and "
        "whose specifiers no version satisfies together (pre-releases included), or that name two "
        "different URLs; also one entry whose own specifiers are unsatisfiable (`foo>2,<1`). The "
        "compile reports it whether the target is bound or not: both entries are cited with their "
        "positions, and the message names the condition where both hold.",
        Example(("foo<1", "foo>2")),
        Example(('foo<1 ; #engine# == "vllm"', 'foo>2 ; #engine# == "sglang"')),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK503",
        "no-exact-complement",
        "error",
        "residual marker has no PEP 508 form",
        _COMPILE,
        "After partial evaluation and overrides, the exact condition under which a line applies "
        "cannot be written in PEP 508 (SPEC section 8); markerc stops rather than approximate. "
        "Only the *final* condition matters: an override whose condition is disjoint from the "
        "entry it would narrow leaves that entry unchanged. Typical causes: the complement of a "
        "version comparison on `platform_release` (which also holds strings that are not "
        'versions), of `> "V"` (which excludes the post-releases of V), or of a reversed '
        'comparison such as `"3.9" < python_version`. The message names the entries and the '
        "condition.",
        Example(
            ("foo>=1",),
            args=("compile", "{hub}", "--engine", "vllm", "-p", 'foo ; platform_release >= "5.4"'),
        ),
        Example(
            ("foo>=1",),
            args=("compile", "{hub}", "--engine", "vllm", "-p", 'foo ; sys_platform == "linux"'),
        ),
        stages=("compile",),
    ),
    Rule(
        "MK504",
        "missing-system-package",
        "error",
        "system package missing on the target",
        _COMPILE,
        "`#system_X#` where the target has no X; `--system-missing unpinned` emits the bare name "
        "instead.",
        Example(("#system_torch#",), args=("compile", "{hub}", "--engine", "vllm")),
        Example(
            ("#system_torch#",),
            args=("compile", "{hub}", "--engine", "vllm", "--system", "torch=2.8.0"),
        ),
        stages=("compile",),
    ),
    Rule(
        "MK505",
        "invalid-table",
        "error",
        "invalid target or engine table",
        _COMPILE,
        "A target profile or engine table that is not valid TOML or has wrong keys.",
        Example(
            ("foo",),
            args=("compile", "{hub}", "--engine", "vllm", "--engines", "engines.toml"),
            files=(("engines.toml", '[engines.vllm]\nindex_strategy = "fastest"\n'),),
        ),
        Example(
            ("foo",),
            args=("compile", "{hub}", "--engine", "vllm", "--engines", "engines.toml"),
            files=(("engines.toml", '[engines.vllm]\nindex_strategy = "unsafe-best-match"\n'),),
        ),
        stages=("compile",),
    ),
    Rule(
        "MK506",
        "resolver-failed",
        "error",
        "resolver failed",
        _COMPILE,
        "The resolver (uv, or pip-compile) could not resolve a locked requirement set; its "
        "deciding message follows. Also reported when uv, which `lock` and `install` run, is not "
        "installed: it is the extra `pip install 'markerc[lock]'` (`markerc check` does not need it).",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--out",
                "locks",
                "--no-index",
                "--find-links",
                "{wheels}",
                "--format",
                "requirements",
            ),
            note="no wheel of alpha in the folder",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--out",
                "locks",
                "--no-index",
                "--find-links",
                "{wheels}",
                "--format",
                "requirements",
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK507",
        "usage-error",
        "error",
        "usage error",
        _COMPILE,
        "A command-line mistake that the argument parser cannot see (it reports its own, such as "
        "an unknown option, as `markerc: error: ...`). Exit status 2 in every command.",
        Example(("foo",), args=("explain", "{hub}", "--engine", "vllm")),
        Example(("foo",), args=("explain", "{hub}", "--engine", "vllm", "--model", "demo")),
        stages=("cli",),
    ),
    Rule(
        "MK520",
        "marker-value-not-writable",
        "error",
        "marker value that PEP 508 text cannot carry",
        _COMPILE,
        "A residual marker would have to write a quoted value that pip and uv do not read alike: a "
        "backslash (packaging decodes Python escapes, uv takes the text literally, PEP 508 defines "
        "none), a character that is not printable, or both kinds of quote. markerc reads escapes in "
        'the hub as packaging does, so `"C:\\\\"` is the value `C:\\`; it refuses to write it back.',
        Example(
            ("foo ; platform_version == 'C:\\\\temp'",),
            args=("compile", "{hub}", "--engine", "vllm"),
        ),
        Example(
            ("foo ; platform_version == 'C:/temp'",), args=("compile", "{hub}", "--engine", "vllm")
        ),
        stages=("compile",),
    ),
    Rule(
        "MK521",
        "marker-too-complex",
        "error",
        "marker too complex to decide",
        _COMPILE,
        'More than 8 different substring tests (`"x" in VAR`) on one variable in the markers that '
        "meet in one decision: markerc decides markers exactly and refuses to enumerate the "
        "combinations.",
        Example(
            ("foo ; " + " or ".join(f"'{c}' in platform_version" for c in "abcdefghi"),),
            args=("compile", "{hub}", "--engine", "vllm"),
            note="9 patterns",
        ),
        Example(
            ("foo ; platform_version == 'a-b'",), args=("compile", "{hub}", "--engine", "vllm")
        ),
        stages=("compile",),
    ),
)
