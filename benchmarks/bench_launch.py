"""Skip-installed and install-from-lock against the real index, for one real light model.

A base environment like an Xinference worker's (a venv with ``--base`` packages, by default
xoscar 0.12.2 and torch) and one model of the real hub (default: whisper-tiny, engine
transformers: ``transformers``, ``accelerate``, ``#system_torch#``, ``#system_numpy#``).  Each
measurement starts from an empty uv cache (``UV_CACHE_DIR`` in a fresh folder), so downloads count:

1. ``markerc install --skip-installed --python BASE``: distributions installed, seconds;
2. ``markerc install --venv`` without it (an isolated venv gets everything): the same;
3. ``markerc install --lock`` of a ``lock --skip-installed`` made for the base's profile
   (``markerc env --python BASE``), against xoscar's launch-time resolve-and-install (Xinference
   v2's default: ``UVVirtualEnvManager.create_env`` + ``install_packages(..., skip_installed=True)``
   run in the base, with the list Xinference passes it).

Needs the network (PyPI).  Run:
``PYTHONPATH=. python benchmarks/bench_launch.py --work /tmp/bench-launch [--find-links /opt/wheels]``
(``--find-links`` for a local torch wheel; figures in docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "xinference")

XOSCAR = r"""
import json, sys, sysconfig, time
from pathlib import Path
from xoscar.virtualenv.uv import UVVirtualEnvManager
venv, packages, kwargs = Path(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
start = time.perf_counter()
manager = UVVirtualEnvManager(venv)
manager.create_env(python_path=Path(sys.executable))
lib = Path(manager.get_lib_path())  # as W._create_virtual_env_manager does after create_env
lib.mkdir(parents=True, exist_ok=True)
(lib / "_xinference_parent.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
manager.install_packages(packages, skip_installed=True, **kwargs)
print("SECONDS", time.perf_counter() - start)
"""


def uv() -> str:
    import uv as uv_pkg  # type: ignore[import-untyped]

    return str(uv_pkg.find_uv_bin())


def run(argv: list[str], env: dict[str, str], cwd: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return took, done


def own(venv: str) -> int:
    """Distributions in the venv's own site-packages."""
    lib = os.path.join(venv, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages")
    return len([n for n in os.listdir(lib) if n.endswith(".dist-info")]) if os.path.isdir(lib) else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", default="whisper-tiny")
    ap.add_argument("--engine", default="transformers")
    ap.add_argument("--hub", default=os.path.join(CORPUS, "audio_model_spec.json"))
    ap.add_argument("--base", nargs="+", default=["xoscar==0.12.2", "torch==2.13.0"])
    ap.add_argument("--find-links", default=None)
    ap.add_argument("--xinference-list", default='["transformers", "accelerate", "#system_torch#", "#system_numpy#"]',
                    help="what Xinference passes xoscar for the model (after its own filter and merge)")
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env["PYTHONPATH"] = ROOT
    env["UV_CACHE_DIR"] = os.path.join(work, "cache-base")
    fl = ["--find-links", args.find_links] if args.find_links else []
    markerc = [sys.executable, "-m", "markerc"]

    base = os.path.join(work, "base")
    run([uv(), "venv", base, "--python", sys.executable, "-q"], env)
    bpy = os.path.join(base, "bin", "python")
    took, _ = run([uv(), "pip", "install", "-q", "--python", bpy, *fl, *args.base], env)
    print(f"base environment: {', '.join(args.base)} (+ their dependencies), {took:.1f} s")
    _, prof = run([*markerc, "env", "--python", bpy, "--name", "base", "--with-tooling"], env)
    target = os.path.join(work, "base.toml")
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(prof.stdout)
    sel = [args.hub, "--model", args.model, "--engine", args.engine, "--target", target, *fl]

    def cold(name: str) -> dict[str, str]:
        return dict(env, UV_CACHE_DIR=os.path.join(work, f"cache-{name}"))

    results = {}
    venv = os.path.join(work, "skip")
    took, done = run([*markerc, "install", *sel, "--venv", venv, "--python", bpy, "--skip-installed"], cold("skip"))
    results["skip-installed"] = (own(venv), took)
    venv = os.path.join(work, "all")
    took, done = run([*markerc, "install", *sel, "--venv", venv, "--python", bpy], cold("all"))
    results["without skip-installed"] = (own(venv), took)

    locks = os.path.join(work, "locks")
    took_lock, _ = run([*markerc, "lock", *sel, "--out", locks, "--skip-installed"], cold("lock"))
    lock_file = os.path.join(locks, args.model, "base", f"pylock.{args.engine}.toml")
    venv = os.path.join(work, "from-lock")
    took, _ = run([*markerc, "install", *sel, "--venv", venv, "--python", bpy, "--lock", lock_file], cold("from-lock"))
    results["markerc install --lock (skip-installed lock)"] = (own(venv), took)

    venv = os.path.join(work, "xoscar")
    kwargs = {"find_links": args.find_links} if args.find_links else {}
    x_env = dict(cold("xoscar"), XOSCAR_UV_PATH=uv())
    took, done = run([bpy, "-c", XOSCAR, venv, args.xinference_list, json.dumps(kwargs)], x_env)
    results["xoscar install_packages at launch (skip_installed)"] = (own(venv), took)

    print(f"model {args.model}, engine {args.engine}; each from an empty uv cache")
    for what, (count, seconds) in results.items():
        print(f"  {what:<52} {count:>4} distribution(s) installed  {seconds:6.1f} s")
    print(f"  (lock --skip-installed, made ahead of time: {took_lock:.1f} s)")
    check = "import transformers, accelerate, torch, numpy"
    for name in ("skip", "all", "from-lock", "xoscar"):
        ok = subprocess.run([os.path.join(work, name, "bin", "python"), "-c", check], capture_output=True).returncode == 0
        print(f"  {name}: `{check}` {'works' if ok else 'FAILS'}")


if __name__ == "__main__":
    main()
