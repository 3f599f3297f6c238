"""Property (issue 9): for arbitrary Unicode in every hub string field, the requirements file
``compile`` writes, read by pip's own parser, holds exactly the requirements and options markerc
meant, or the compile refuses with a located error.

pip's reading is its own code (``pip._internal.req.req_file``: ``str.splitlines``, line joining,
comment stripping, ``${VAR}`` expansion, the split of a line into requirement and options, shlex
on the options); uv splits at ``\\n`` and ``\\r`` only, so the property also asserts that both
splits agree.  No subprocess per example: tests/test_security.py runs real pip and uv.
(Lone surrogates are left to the strict JSON reader's tests.)
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pip._internal.req.req_file import (
    ENV_VAR_RE,
    break_args_options,
    ignore_comments,
    join_lines,
)

from markerc.compiler.compile import Options, compile_hubs
from markerc.diagnostics import MarkercError
from markerc.safety import PLAIN_URL, _token_problem, parsed_url_problem, source_problem
from markerc.compiler.emit import requirements_text
from markerc.compiler.engines import load_engines
from tests.conftest import DEEP

ENGINES = load_engines()
#: every character but lone surrogates, weighted towards the ones pip, uv and terminals act on
TEXT = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(list("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b\x00\t #\\-${}'\"@:;/")),
    ),
    max_size=24,
)


def pip_view(text: str) -> tuple[list[str], list[list[str]]]:
    """The requirement strings and the option words of each line, as pip reads ``text``."""
    lines = ignore_comments(join_lines(enumerate(text.splitlines(), start=1)))
    reqs: list[str] = []
    opts: list[list[str]] = []
    for _, line in lines:
        assert not ENV_VAR_RE.search(line), line  # nothing for pip to expand
        args, options = break_args_options(line)
        if args:
            reqs.append(args)
        if options:
            opts.append(shlex.split(options))
    return reqs, opts


#: what each field holds when it is not the hostile one (plus harmless text)
BENIGN = {"name": "demo", "quoted": "6.8", "index": "simple", "extra": "https://extra.example/simple",
          "links": "wheels", "host": "mirror.example"}  # fmt: skip
SAFE = st.text(st.sampled_from("abcXYZ019._"), max_size=6)


@settings(max_examples=150 * DEEP, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hostile=st.sampled_from([*BENIGN, "entry"]),
    text=TEXT,
    safe=st.fixed_dictionaries({k: SAFE for k in BENIGN}),
)
def test_written_requirements_are_what_markerc_meant(hostile: str, text: str, safe: dict[str, str]) -> None:
    """One field holds arbitrary text, the others benign text (so that most examples compile
    and their output is read)."""
    v = {k: (text if k == hostile else b + safe[k]) for k, b in BENIGN.items()}
    entry = text if hostile == "entry" else f'alpha ; platform_version == "{v["quoted"]}"'
    block = {
        "packages": ["beta>=1", entry],
        "index_url": "https://mirror.example/" + v["index"],
        "extra_index_url": [v["extra"]],
        "find_links": [v["links"]],
        "trusted_host": [v["host"]],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "hub.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump([{"model_name": v["name"], "virtualenv": block}], fh)
        try:
            results = compile_hubs([path], engines=ENGINES, engine_spec=["vllm"], model=None, options=Options())
        except MarkercError as err:
            assert err.location is not None and err.location.path == path, str(err)
            return
    for result in results:
        cs = result.compiled
        text = requirements_text(cs, f"markerc compile {path} --engine vllm")
        assert text.splitlines() == text.split("\n")[:-1]  # pip's split is uv's split
        reqs, opts = pip_view(text)
        assert reqs == [line.render() for line in cs.lines]
        assert opts == [ln.split(" ", 1) for ln in cs.options.pip_lines()]


#: password characters: anything but what ends a URL's authority (``/ ? #``, whitespace)
PASSWORD = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters="/?#"),
                   min_size=1, max_size=20)  # fmt: skip


@settings(max_examples=200 * DEEP, deadline=None)
@given(user=PASSWORD, password=PASSWORD, host=st.sampled_from(["mirror.example", "[::1]:8080", "10.0.0.1:3128"]),
       quote=st.sampled_from(["", "'", '"']))  # fmt: skip
def test_mask_credentials_hides_the_whole_user_information(user: str, password: str, host: str, quote: str) -> None:
    """``@``, ``:``, quotes and percent escapes in the password; IPv6 hosts; inside a repr."""
    from markerc.safety import mask_credentials

    url = f"https://{user}:{password}@{host}/simple"
    for text in (f"index {quote}{url}{quote} fails", f"index {url!r} fails"):
        masked = mask_credentials(text)
        start = masked.index("://") + 3
        at = masked.index(f"@{host}/simple")
        assert set(masked[start:at]) == {"*"}, masked
        assert masked[at:].startswith(f"@{host}/simple")


@settings(max_examples=300 * DEEP, deadline=None)
@given(st.one_of(st.from_regex(PLAIN_URL, fullmatch=True), TEXT.map(lambda t: "https://" + t)))
def test_the_plain_url_fast_path_accepts_only_what_urlsplit_accepts(text: str) -> None:
    """``source_problem`` takes a plain http(s) URL without ``urllib.parse``; each such URL (a port
    up to 65535) is one the ``urlsplit`` checks accept, and every other text still goes to them."""
    plain = PLAIN_URL.fullmatch(text)
    if plain is not None and int(plain.group(1) or 0) <= 65535:
        assert parsed_url_problem(text, "index_url", 0) is None, text
    if _token_problem(text, "index_url", False) is None:
        slow = parsed_url_problem(text.strip(), "index_url", 0)
        assert (source_problem(text, "index_url") is None) == (slow is None), text
