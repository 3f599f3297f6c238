"""The rule registry, MK554-MK556: skip-installed locks and installs over a base environment."""

from __future__ import annotations

from markerc.catalogue.records import NOINDEX, Example, Rule

_LAUNCH = "Xinference launch and venvs"

#: A target profile for the skip-installed examples: a Linux base that has gamma 1.0 installed.
_BASE_TARGET = (
    'name = "base"\nsys_platform = "linux"\npython_version = "3.11"\n[system]\ngamma = "1.0"\n'
)

RULES: tuple[Rule, ...] = (
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
)
