"""The rule registry, MK301-MK339: the rules of ``markerc check`` about markerc's own reading of an
entry, and its configuration errors."""

from __future__ import annotations

from markerc.catalogue.records import CHECK_COMPILE, Example, Rule

_LINT = "Lint rules"
_CONFIG = "Check configuration"

RULES: tuple[Rule, ...] = (
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
        stages=CHECK_COMPILE,
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
)
