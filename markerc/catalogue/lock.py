"""The rule registry, MK530-MK536: the lock matrix: which (engine, target) pairs are locked, and
whether the lock files are up to date."""

from __future__ import annotations

from markerc.catalogue.records import NOINDEX, Example, Rule

_LOCK = "Lock matrix"

RULES: tuple[Rule, ...] = (
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
)
