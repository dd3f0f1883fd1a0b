"""Which files to lint: walk the given paths, skip excluded folders and non-matching names."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from pathlib import Path
from typing import Iterable, Iterator

from lnlint.frontends.source import outside_readable_roots
from lnlint.settings import Settings


def _wanted(name: str, settings: Settings) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.include)


def discover(
    paths: Iterable[Path], settings: Settings, folders: dict[str, int] | None = None, notices: list[str] | None = None
) -> Iterator[Path]:
    """Files under `paths`, sorted within each folder. A file named on the command line is
    linted when its name matches `include` (pre-commit passes every staged file of the hook's
    types), unless it is excluded and `force_exclude` is set. Walks skip what git ignores.
    `folders` is given the modification time of each folder walked and of each .gitignore
    in them: while they hold, so does the list. A linked file the walk finds is skipped
    when it dangles, loops or points outside the folders the run may read
    (`source.confine_links`); `notices` is told each skipped file once, with the reason."""
    seen: set[Path] = set()
    for path in paths:
        if settings.force_exclude and settings.excluded(path, ancestors=True):
            continue
        if path.is_dir():
            ignored = gitignored(path) if settings.respect_gitignore else frozenset()
            found: Iterable[Path] = _walk(path, settings, ignored, folders, notices)
        else:
            found = [path] if _wanted(path.name, settings) else []
        for file in found:
            key = file.absolute()
            if key not in seen:
                seen.add(key)
                yield file


def _walk(
    top: Path, settings: Settings, ignored: frozenset[str], folders: dict[str, int] | None, notices: list[str] | None
) -> Iterator[Path]:
    try:
        if folders is not None:
            folders[str(top)] = os.stat(top).st_mtime_ns
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if folders is not None and entry.name == ".gitignore":
            folders[entry.path] = entry.stat().st_mtime_ns
        path = top / entry.name
        if ignored and os.path.abspath(entry.path) in ignored:
            continue
        if entry.is_dir(follow_symlinks=False):
            if settings.excluded(path) or (path / "pyvenv.cfg").exists():
                continue
            yield from _walk(path, settings, ignored, folders, notices)
        elif _wanted(entry.name, settings) and not settings.excluded(path):
            problem = _link_problem(entry.path) if entry.is_symlink() else None
            if problem is not None:
                if notices is not None:
                    notices.append(f"{path}: skipped, {problem}")
            elif entry.is_file():
                yield path
            elif notices is not None and not entry.is_dir():  # a FIFO, a socket, a device
                notices.append(f"{path}: skipped, not a regular file")


def _link_problem(path: str) -> str | None:
    """Why a linked file is not read (None: it may be)."""
    try:
        real = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        return "a dangling symbolic link"
    except OSError as error:
        return f"a symbolic link that cannot be followed ({error.strerror})"
    if outside_readable_roots(real):
        return f"a symbolic link to {real}, outside the folders linted"
    return None


# Settings a repository's own .git/config could use to run a program when git reads the
# work tree (core.fsmonitor runs a hook on index refresh); lnlint may run in a checkout it
# does not trust, such as a pull request in CI. Nothing lnlint runs here invokes hooks.
_GIT = ("git", "-c", "core.fsmonitor=false")


def gitignored(folder: Path) -> frozenset[str]:
    """Absolute paths git ignores under the work tree holding `folder` (ignored folders as a
    whole); empty outside a work tree or without git."""
    try:
        top = subprocess.run(
            [*_GIT, "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, check=False
        )
        if top.returncode != 0:
            return frozenset()
        root = os.fsdecode(top.stdout.rstrip(b"\n"))
        listed = subprocess.run(
            [*_GIT, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            cwd=root, capture_output=True, check=False,
        )
    except OSError:
        return frozenset()
    if listed.returncode != 0:
        return frozenset()
    names = (os.fsdecode(name) for name in listed.stdout.split(b"\0") if name)  # any bytes a file system allows
    return frozenset(os.path.abspath(os.path.join(root, name.rstrip("/"))) for name in names)


class GitError(Exception):
    """`--diff-base` could not ask git; the CLI exits 2 with this message."""


def changed_files(base: str, cwd: Path) -> set[Path]:
    """Files changed between `base` and the working tree, untracked ones included (resolved).

    `base` comes from the user and must never reach git as an option (`--output=FILE` would
    make `git diff` write a file): anything starting with `-` is refused, and what is left is
    verified to name a commit, then passed as that commit's full id."""

    def git(*args: str, separator: bytes = b"\n") -> list[str]:
        try:
            done = subprocess.run([*_GIT, *args], cwd=cwd, capture_output=True, check=False)
        except OSError as error:
            raise GitError(f"cannot run git: {error.strerror}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise GitError(message.splitlines()[-1] if message else "git failed")
        # Names as the file system has them (any bytes), never as git quotes them for people.
        return [os.fsdecode(name) for name in done.stdout.split(separator) if name.strip(b"\n")]

    top = Path(git("rev-parse", "--show-toplevel")[0].rstrip("\n"))
    if not base or base.startswith("-"):
        raise GitError("not a commit (a ref cannot start with '-')")
    try:
        commit = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{base}^{{commit}}")[0]
    except (GitError, IndexError):
        raise GitError("not a commit") from None
    names = git("diff", "-z", "--no-ext-diff", "--no-textconv", "--name-only", "--diff-filter=d", commit, "--", separator=b"\0")
    names += git("ls-files", "-z", "--others", "--exclude-standard", "--full-name", separator=b"\0")
    return {Path(os.path.realpath(top / name)) for name in names}  # a link loop among them resolves to itself
