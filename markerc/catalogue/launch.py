"""The rule registry, MK550-MK553, MK557, MK558: offline mode, package indexes and the venvs of
Xinference's layout."""

from __future__ import annotations

from markerc.catalogue.records import NOINDEX, Example, Rule

_LAUNCH = "Xinference launch and venvs"

RULES: tuple[Rule, ...] = (
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
)
