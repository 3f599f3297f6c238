"""The rule registry, MK001-MK205: what ``compile`` refuses in an entry, a marker or a hub file
(input errors, which ``check`` always reports)."""

from __future__ import annotations

from markerc.catalogue.records import CHECK_COMPILE, Example, Rule

_SYNTAX = "Entry syntax"
_MARKERS = "Marker semantics"
_HUB = "Hub structure"

RULES: tuple[Rule, ...] = (
    Rule(
        "MK001",
        "syntax-error",
        "error",
        "syntax error in an entry",
        _SYNTAX,
        "The entry does not parse (SPEC sections 3 and 4). The caret points at the first character "
        "the grammar cannot accept; common mistakes get a specific message (single `=`, an "
        "unterminated string, `!` for `not`, a stray `#`).",
        Example(('foo ; sys_platform = "linux"',), note="single '=' is not a comparison"),
        Example(('foo ; sys_platform == "linux"',)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK002",
        "installer-option",
        "error",
        "entry would become an installer option (leading '-')",
        _SYNTAX,
        "In a requirements file a line starting with `-` is an option (`-r`, `-e`, "
        "`--index-url`), so a hub entry could make pip read other files or indexes. Installer "
        "options belong in block keys (`index_url`, `find_links`, ...).",
        Example(("-e git+https://github.com/org/pkg",)),
        Example(("git+https://github.com/org/pkg",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK003",
        "line-break-or-nul",
        "error",
        "entry smuggles a line break or NUL",
        _SYNTAX,
        "Each entry must stay one line of a requirements file; a line break would smuggle a second "
        "line (an installer option, another index) into it.",
        Example(("foo\n--extra-index-url https://evil.example",)),
        Example(("foo",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK004",
        "empty-or-comment",
        "error",
        "empty or comment-only entry",
        _SYNTAX,
        "An empty string, or one starting with `#` that is not a placeholder: pip reads it as "
        "nothing or as a comment, so the entry silently installs nothing. A placeholder whose "
        "closing `#` is missing is MK315 in `check`.",
        Example(("# pinned for the demo",)),
        Example(("#system_torch#",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK005",
        "too-long-or-deep",
        "error",
        "entry too long or too deeply nested",
        _SYNTAX,
        "More than 4096 characters, more than 64 nested parentheses or more than 64 `not`s: limits "
        "that keep the parser's time and memory bounded.",
        Example(("foo ; " + "(" * 65 + 'os_name == "nt"' + ")" * 65,), note="65 levels"),
        Example(('foo ; os_name == "nt"',)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK006",
        "invalid-version-specifier",
        "error",
        "invalid version specifier",
        _SYNTAX,
        "A version specifier that PEP 440 rejects; pip and uv would refuse the requirement.",
        Example(("foo>=1.0.0.dev.x",)),
        Example(("foo>=1.0.0.dev0",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK101",
        "unknown-variable",
        "error",
        "unknown marker variable",
        _MARKERS,
        "A variable that is neither PEP 508 nor markerc's (`has_cuda`, `has_npu`, "
        "`cuda_version`, `cuda_arch`, `#engine#`, `#name#` templates), with a suggestion; also "
        "standard variables written with hashes.",
        Example(('foo ; sys_platfrom == "linux"',), note="did you mean sys_platform?"),
        Example(('foo ; sys_platform == "linux"',)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK102",
        "type-error",
        "error",
        "type error in a comparison",
        _MARKERS,
        "An operator or value that does not fit the variable's type: `#engine#` takes only `==`, "
        '`!=`, `in`, `not in`; booleans compare with `"true"`/`"false"`; `cuda_version` takes '
        "PEP 440 comparisons; `cuda_arch` takes `sm_<NN>[a|f]`; `~=` and `===` on string fields "
        "are refused (packaging refuses them).",
        Example(('foo ; has_cuda == "yes"',)),
        Example(("foo ; has_cuda",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK103",
        "unknown-engine",
        "error",
        "unknown engine",
        _MARKERS,
        "An engine literal in an `#engine#` comparison (each member of an `in` list), a "
        "`#<engine>_dependencies#` placeholder for an engine no table knows, or a record's "
        '`"engine"` key, with a suggestion from the engine table (built-in, `[tool.markerc]`, '
        "`--engines`).",
        Example(('foo ; #engine# == "vlm"',)),
        Example(('foo ; #engine# == "vllm"',)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK104",
        "unknown-placeholder",
        "error",
        "unknown placeholder",
        _MARKERS,
        "A `#word#` head that is neither `#<engine>_dependencies#` nor `#system_<package>#`. "
        "Xinference passes it to pip, which fails at launch.",
        Example(("#torch#",)),
        Example(("#system_torch#",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK105",
        "comparison-operands",
        "error",
        "comparison needs one variable and one quoted value",
        _MARKERS,
        '`"a" == "b"`, `os_name == sys_platform`, or a quoted value standing alone: a '
        "comparison has exactly one variable and one quoted value.",
        Example(('foo ; "linux" == "linux"',)),
        Example(('foo ; sys_platform == "linux"',)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK106",
        "extra-marker",
        "error",
        "extra, extras and dependency_groups have no meaning in a model-hub entry",
        _MARKERS,
        "Installers evaluate `extra` to false in a requirements file, so the entry would never be "
        "installed; ask for the extra in the requirement itself.",
        Example(('foo ; extra == "gpu"',)),
        Example(("foo[gpu]",)),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK201",
        "invalid-json",
        "error",
        "file is not valid UTF-8 JSON",
        _HUB,
        "At the first byte that is not UTF-8, or where the JSON parser stops (trailing commas, "
        "`NaN`, extra data). `check` exits 1 on it, `compile` 2.",
        Example(document='{"packages": ["a",]}\n'),
        Example(document='{"packages": ["a"]}\n'),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK202",
        "wrong-type",
        "error",
        "wrong type for a key",
        _HUB,
        "A block or model key with the wrong JSON type, a block without `packages`, a list item "
        "that is not a model object (SPEC section 2). `markerc schema` prints the JSON Schema of "
        "the structure.",
        Example(("foo",), block='"no_build_isolation": "yes"'),
        Example(("foo",), block='"no_build_isolation": true'),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK203",
        "invalid-index-strategy",
        "error",
        "invalid index strategy",
        _HUB,
        "`index_strategy` must be `first-index`, `unsafe-first-match` or `unsafe-best-match` "
        "(uv's names).",
        Example(("foo",), block='"index_strategy": "fastest"'),
        Example(("foo",), block='"index_strategy": "unsafe-best-match"'),
        stages=CHECK_COMPILE,
    ),
    Rule(
        "MK204",
        "model-not-found",
        "error",
        "model or record not found",
        _HUB,
        "`--model NAME` names no model of the file; with a suggestion.",
        Example(("foo",), args=("compile", "{hub}", "--model", "dmeo", "--engine", "vllm")),
        Example(("foo",), args=("compile", "{hub}", "--model", "demo", "--engine", "vllm")),
        stages=("compile",),
    ),
    Rule(
        "MK205",
        "unreadable-file",
        "error",
        "cannot read file",
        _HUB,
        "A missing file, a folder, no permission. Exit status 2 in every command.",
        Example(("foo",), args=("check", "missing.json")),
        Example(("foo",), args=("check", "{hub}")),
        stages=CHECK_COMPILE,
    ),
)
