"""The command line: parse options, run the pipeline, choose the exit code.

Exit codes (ruff's): 0 no findings, 1 findings, 2 usage, configuration or internal error.
`lnlint [PATHS]` is short for `lnlint check [PATHS]`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from lnlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _DefaultToCheck(click.Group):
    """Route `lnlint [OPTIONS] [PATHS]` to `check` unless the first word is a sub-command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        # `--confirm` takes an optional value (`--confirm=train`); bare, it must not swallow a path.
        args = ["--confirm=measure" if arg == "--confirm" else arg for arg in args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lnlint")
def main() -> None:
    """Catch broken Transformer normalisation set-ups before training.

    `lnlint [OPTIONS] [PATHS]...` is `lnlint check`; see `lnlint check --help`.
    """


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(code.strip().upper() for code in value.split(",") if code.strip())


def _use_color() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--output-format",
    type=click.Choice(["concise", "full", "json", "github", "sarif", "gitlab"]),
    default="concise",
    show_default=True,
    help="How findings are printed.",
)
@click.option("--select", help="Comma-separated codes or prefixes to report (e.g. LN001,LN00).")
@click.option("--ignore", help="Comma-separated codes or prefixes to leave out.")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), help="Read settings from this TOML file instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--force-exclude", is_flag=True, help="Apply `exclude` to paths named on the command line too.")
@click.option("--no-respect-gitignore", is_flag=True, help="Also lint files that git ignores.")
@click.option("--no-value-flow", is_flag=True, help="Do not follow values across the project's calls and imports (faster on large projects).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar="LNLINT_CACHE_DIR", help="Where the cache lives [default: .lnlint_cache in the project root; env: LNLINT_CACHE_DIR].")
@click.option(
    "--stdin-filename",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report standard input under this path, with that path's settings and project; read with `-` as PATHS, or with no PATHS.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes (see `lnlint rule CODE`), then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, --fix-only or --diff: also apply unsafe fixes (they change what the model computes).")
@click.option("--fix-only", is_flag=True, help="Apply fixes; report nothing else and exit 0.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them; exit 1 when there is something to fix.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list each fix made.")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` to every line with a finding (adopt lnlint, see only new findings).")
@click.option("--diff-base", metavar="REF", help="Lint only files changed between git REF and the working tree.")
@click.option("-v", "--verbose", is_flag=True, help="Also say which files were skipped and why.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option(
    "--confirm",
    type=click.Choice(["measure", "train"]),
    help="Build each finding with torch and measure it; --confirm=train adds a short training run.",
)
@click.option("--device", default="auto", show_default=True, help="auto|cpu|cuda|cuda:N|mps for --confirm.")
@click.option("--confirm-max-params", type=click.IntRange(min=1), default=200_000_000, show_default=True, help="Above this, depth probes use a width-reduced proxy.")
@click.option("--plots", "plots_dir", type=click.Path(path_type=Path, file_okay=False), help="With --confirm: write a picture of each confirmed finding to DIR (needs the plot extra).")
@click.option("--confirm-timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True, help="Seconds per finding before its probe is given up.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: str | None,
    ignore: str | None,
    statistics: bool,
    exit_zero: bool,
    quiet: bool,
    config_file: Path | None,
    isolated: bool,
    force_exclude: bool,
    no_respect_gitignore: bool,
    no_value_flow: bool,
    no_cache: bool,
    cache_dir: Path | None,
    output_file: Path | None,
    stdin_filename: Path | None,
    fix: bool,
    unsafe_fixes: bool,
    fix_only: bool,
    diff: bool,
    show_fixes: bool,
    add_noqa: bool,
    diff_base: str | None,
    verbose: bool,
    confirm: str | None,
    device: str,
    confirm_max_params: int,
    plots_dir: Path | None,
    confirm_timeout: float,
) -> None:
    """Lint PATHS (default: the current folder) for broken normalisation set-ups."""
    from lnlint.settings import ConfigError, load_settings, settings_from_table
    from lnlint.discover import GitError, changed_files, discover
    from lnlint.lint import lint_paths
    from lnlint.report import TEXT_FORMATS, renderer
    from lnlint.report.text import statistics as render_statistics
    from lnlint.report.text import summary

    stdin = paths == (Path("-"),) or (stdin_filename is not None and not paths)
    if Path("-") in paths and not stdin:
        raise click.UsageError("`-` (standard input) cannot be given with other paths")
    if stdin and diff_base is not None:
        raise click.UsageError("--diff-base does not apply to standard input")
    targets = [stdin_filename or Path(".")] if stdin else list(paths) or [Path(".")]
    missing = [str(p) for p in targets if not p.exists()]
    if missing and not stdin:
        raise click.UsageError(f"no such file or directory: {', '.join(missing)}")
    try:
        settings = load_settings(config_file, isolated, targets[0])
        overrides = {"select": _codes(select), "ignore": _codes(ignore)}
        if any(v is not None for v in overrides.values()):
            table = {k: list(v) for k, v in overrides.items() if v is not None}
            cli = settings_from_table(table, settings.root)
            settings = replace(settings, **{k: getattr(cli, k) for k, v in overrides.items() if v is not None})
    except ConfigError as error:
        click.echo(f"lnlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if force_exclude:
        settings = replace(settings, force_exclude=True)
    if no_respect_gitignore:
        settings = replace(settings, respect_gitignore=False)
    if no_value_flow:
        settings = replace(settings, value_flow=False)

    fixing = fix or fix_only or diff
    if stdin and (fixing or add_noqa):
        raise click.UsageError("--fix, --fix-only, --diff and --add-noqa work on files, not on standard input")
    from lnlint.frontends.source import confine_links, linted_folders

    confine_links(linted_folders(targets, settings.root))
    cache_location = None
    if not no_cache and not stdin:
        from lnlint.cache import CacheFolderError, cache_folder, cache_location as locate_cache

        try:
            cache_location = locate_cache(cache_folder(settings, cache_dir))
        except CacheFolderError as error:
            click.echo(f"lnlint: warning: cache not used: {error}", err=True)

    skipped: list[str] = []  # by the walk; told once, even when --fix lints again

    def lint_targets():
        skipped.clear()
        files = discover(targets, settings, notices=skipped)
        if diff_base is not None:
            try:
                changed = changed_files(diff_base, Path.cwd())
            except GitError as error:
                click.echo(f"lnlint: error: --diff-base {diff_base}: {error}", err=True)
                sys.exit(EXIT_ERROR)
            files = (f for f in files if Path(os.path.realpath(f)) in changed)
        cache = None
        if cache_location is not None:
            from lnlint.cache import Cache

            cache = Cache(cache_location, settings)
        # --fix and SARIF's fixes need the specs behind the findings (the cache keeps findings
        # without them)
        return lint_paths(files, settings, cache, with_specs=confirm is not None or fixing or output_format == "sarif")

    if stdin:
        from lnlint.lint import lint_standard_input

        result = lint_standard_input(sys.stdin.buffer.read(), stdin_filename or Path("-"), settings)
    else:
        result = lint_targets()
    if add_noqa:
        from lnlint.fixes import add_noqa as add_noqa_comments

        added, skipped = add_noqa_comments(result.findings, result.analysed)
        click.echo(f"Added {added} noqa directive{'' if added == 1 else 's'}.", err=True)
        for reason in skipped:
            click.echo(f"lnlint: not changed: {reason}", err=True)
        sys.exit(EXIT_ERROR if result.internal_errors else EXIT_CLEAN)
    fix_report = ""
    if fixing:
        from lnlint.fixes import fix_files, fix_for, selected

        thresholds = settings.thresholds
        offered = [fix for fix in (fix_for(f, thresholds) for f in result.findings) if fix is not None]
        not_fixed: list[str] = []
        fixed = fix_files(selected(offered, settings, unsafe_fixes), not_fixed, result.analysed)
        for reason in not_fixed:
            click.echo(_printable(f"lnlint: not changed: {reason}"), err=True)
        count = sum(len(f.fixes) for f in fixed)
        if diff:
            click.echo("".join(f.diff() for f in fixed), nl=False)
            click.echo(f"Would fix {count} finding{'' if count == 1 else 's'}.", err=True)
            sys.exit(EXIT_FINDINGS if fixed else EXIT_CLEAN)
        for file in fixed:
            file.path.write_bytes(file.after_bytes)
        if fixed:
            result = lint_targets()  # what is left after the fixes
        fix_report = f"Fixed {count} finding{'' if count == 1 else 's'}.\n"
        if show_fixes:
            for file in fixed:
                for fix in file.fixes:
                    fix_report += f"  {file.path}:{fix.line}: {fix.finding.code} ({fix.applicability}) {fix.describe()}\n"
        unsafe_left = sum(1 for fix in offered if fix.applicability == "unsafe" and not unsafe_fixes)
        if unsafe_left:
            fix_report += f"{unsafe_left} more fixable with --unsafe-fixes.\n"
        if fix_only:
            click.echo(fix_report, nl=False, err=True)
            sys.exit(EXIT_ERROR if result.internal_errors else EXIT_CLEAN)
    if plots_dir is not None:
        if confirm is None:
            raise click.UsageError("--plots draws what --confirm measures: add --confirm")
        _require_matplotlib()
    if confirm is not None:
        from lnlint.confirm import ConfirmError, ConfirmSettings, confirm_findings

        confirm_settings = ConfirmSettings(
            device, 0, confirm_max_params, confirm_timeout, confirm == "train",
            plots=str(plots_dir) if plots_dir is not None else None,
        )
        try:
            confirm_findings(result.findings, confirm_settings, _progress)
        except ConfirmError as error:
            click.echo(f"lnlint: error: {error}", err=True)
            sys.exit(EXIT_ERROR)
    color = _use_color() and output_file is None
    if statistics:
        output = render_statistics(result.findings)
    else:
        output = renderer(output_format)(result.findings, color)
        if output_format in TEXT_FORMATS and not quiet:
            output += summary(result.findings, result.files, skipped=result.skipped, errors=len(result.internal_errors))
            drawn = [f.confirmation["plot"] for f in result.findings if f.confirmation and f.confirmation.get("plot")]
            if drawn:
                output += "Pictures:\n" + "".join(f"  {path}\n" for path in drawn)
    output = _printable(output)
    if output_file is not None:
        try:
            output_file.write_text(output, encoding="utf-8")
        except OSError as error:
            click.echo(f"lnlint: error: cannot write {output_file}: {error.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(output, nl=False, color=color)
    if fix_report:
        click.echo(fix_report, nl=False, err=True)
    if verbose:
        for notice in (*skipped, *result.notices):
            click.echo(_printable(f"lnlint: {notice}"), err=True)
    for message in result.internal_errors:
        click.echo(_printable(f"lnlint: error: {message}"), err=True)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN)


def _printable(text: str) -> str:
    """A file name that is not UTF-8 (held as surrogate escapes) written as `\\xff` escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _require_matplotlib() -> None:
    from lnlint.plots import PlotUnavailable, require_matplotlib

    try:
        require_matplotlib()
    except PlotUnavailable as error:
        click.echo(f"lnlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _progress(findings: list):
    """A progress bar on stderr for more than a few confirmations, on a terminal only."""
    if len(findings) <= 3 or not sys.stderr.isatty():
        return findings
    return click.progressbar(findings, label="confirming", file=sys.stderr)


@main.command()
@click.option("--layer", type=click.Choice(["encoder", "decoder", "transformer", "layernorm"]), default="encoder", show_default=True)
@click.option("--d-model", type=click.IntRange(min=1), required=True)
@click.option("--nhead", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--dim-feedforward", type=click.IntRange(min=1), default=2048, show_default=True)
@click.option("--norm-first", is_flag=True, help="Pre-LN layers.")
@click.option("--num-layers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--final-norm", is_flag=True, help="A LayerNorm after the stack.")
@click.option("--lr", type=float, help="Learning rate for the first-step probe.")
@click.option("--train", is_flag=True, help="Add the 200-step training run with and without warmup.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), help="Also write a picture of the probed design to FILE.png (needs the plot extra).")
@click.option("--device", default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def probe(**options) -> None:
    """Measure a configuration given on the command line, without any source."""
    from lnlint.confirm import ConfirmError
    from lnlint.confirm.probe_command import run_probe

    if options["plot"] is not None:
        _require_matplotlib()
    try:
        click.echo(run_probe(**options), nl=False)
    except ConfirmError as error:
        click.echo(f"lnlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


@main.command()
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar="LNLINT_CACHE_DIR", help="The cache to remove [default: .lnlint_cache in the project root].")
def clean(cache_dir: Path | None) -> None:
    """Remove the cache of the project in the current folder: only the files lnlint's cache
    format names, never anything else the folder holds."""
    from lnlint.cache import CacheFolderError, cache_folder, clean as remove
    from lnlint.settings import ConfigError, load_settings

    try:
        settings = load_settings(None, False, Path("."))
    except ConfigError as error:
        click.echo(f"lnlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    try:
        removed, files = remove(cache_folder(settings, cache_dir))
    except CacheFolderError as error:
        click.echo(f"lnlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if removed is None:
        click.echo("No cache to remove.")
    else:
        click.echo(f"Removed {removed} ({files} file{'' if files == 1 else 's'})")


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option("--markdown", is_flag=True, help="With --all: the README's Markdown table.")
def rule(code: str | None, show_all: bool, markdown: bool) -> None:
    """Explain a rule, such as LN001; --all lists every rule."""
    from lnlint.catalogue import load_catalogue, rule_table_markdown

    catalogue = load_catalogue()
    if markdown:
        click.echo(rule_table_markdown(), nl=False)
        return
    if show_all or code is None:
        for entry in catalogue.values():
            click.echo(f"{entry.code}  {entry.name:<28} {entry.severity:<8} {entry.summary}")
        return
    entry = catalogue.get(code.upper())
    if entry is None:
        raise click.UsageError(f"unknown rule {code!r}; `lnlint rule --all` lists them")
    click.echo(entry.document(), nl=False)


@main.command()
def server() -> None:
    """Serve diagnostics to editors over the Language Server Protocol (stdio)."""
    try:
        from lnlint.server import serve
    except ImportError as error:
        click.echo(f"lnlint: error: the language server needs pygls ({error}): pip install 'lnlint[server]'", err=True)
        sys.exit(EXIT_ERROR)
    serve()
