"""The rule registry, MK570-MK572: ``markerc diff`` and ``markerc report``."""

from __future__ import annotations

from markerc.catalogue.records import Example, Rule

_REVIEW = "Review (diff, report)"

RULES: tuple[Rule, ...] = (
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
)
