"""The rule registry, MK401-MK406: where Xinference at launch reads an entry otherwise than
markerc."""

from __future__ import annotations

from markerc.catalogue.records import Example, Rule

_XI = "Xinference at launch"

RULES: tuple[Rule, ...] = (
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
)
