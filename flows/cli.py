"""The `callinsight` command line (CONTRACT §3).

    callinsight run --input PATH --output OUT [--date YYYY-MM-DD] [--batch-size N]
    callinsight backfill --input PATH --output OUT --from YYYY-MM-DD --to YYYY-MM-DD
    callinsight eval [--data DIR] [--suite pain|sentiment|empathy|clustering|growth|german|roles]
    callinsight serve [--input PATH] [--output OUT] [--cron "30 2 * * *"]

Exit status: 0 when the run completed (even with quarantined records), 2 for a usage problem
found before the run (bad path, unwritable output, empty input), 1 when the run failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from flows.evaluation.run import DEFAULT_DATA, SUITES
from flows.runtime import configure_runtime
from flows.settings import Settings
from flows.sources import FileSource, SourceError

log = logging.getLogger("callinsight")


class UsageError(Exception):
    """A problem with the command's arguments, found before anything runs."""


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from e


def check_input(path: Path, run_date: date | None) -> FileSource:
    """Fail early and clearly on a missing or empty input."""
    try:
        source = FileSource(path, run_date)
    except SourceError as e:
        raise UsageError(str(e)) from e
    if not source.list_files():
        raise UsageError(f"no transcript files found in {source.describe()}")
    return source


def check_output(out: Path) -> None:
    """Fail early and clearly when the output root cannot be written."""
    probe = out / f".write-probe-{uuid.uuid4().hex[:8]}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"output folder is not writable: {out} ({e.strerror or e})") from e


def cmd_run(args: argparse.Namespace) -> int:
    """Run the nightly flow once, without a Prefect server."""
    check_input(args.input, args.date)
    check_output(args.output)
    from flows.nightly import transcript_insights  # imports Prefect: after the checks

    started = time.perf_counter()
    result = transcript_insights(args.input, args.output, args.date, args.batch_size)
    _report(result, args.output, time.perf_counter() - started)
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """Run the flow once per night from --from to --to, in order, in one process."""
    if args.last < args.first:
        raise UsageError(f"--to {args.last} is before --from {args.first}")
    check_output(args.output)
    nights = [args.first + timedelta(days=i) for i in range((args.last - args.first).days + 1)]
    for night in nights:
        check_input(args.input, night)
    from flows.nightly import transcript_insights

    for night in nights:
        started = time.perf_counter()
        result = transcript_insights(args.input, args.output, night, args.batch_size)
        _report(result, args.output, time.perf_counter() - started)
    return 0


def _report(result, out: Path, elapsed: float) -> None:
    print(f"night {result.run_date}: wrote {out} in {elapsed:.1f} s")
    for name, count in sorted(result.rows.items()):
        print(f"  {name:<18} {count:>7} rows")
    print(f"  {'summaries':<18} {len(result.summaries):>7} teams")


def build_deployment(args: argparse.Namespace):
    """The nightly deployment: the flow, its cron schedule and its input/output parameters."""
    from prefect.schedules import Cron

    from flows.nightly import transcript_insights

    settings = Settings()
    return transcript_insights.to_deployment(
        name=settings.deployment_name,
        schedule=Cron(args.cron or settings.schedule_cron, timezone=settings.timezone),
        parameters={"input_path": str(args.input), "output": str(args.output)},
        description="Nightly call-transcript insights (callinsight).",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the flow as a deployment on a nightly cron schedule (needs a Prefect server)."""
    check_output(args.output)
    from prefect import serve

    serve(build_deployment(args))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate every detector on labelled data from DATA (see flows/evaluation)."""
    from flows.evaluation.run import main as run_eval

    if not args.data.is_dir():
        raise UsageError(f"evaluation data folder does not exist: {args.data}")
    run_eval(args.suite or [], args.data)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `callinsight`."""
    settings = Settings()
    parser = argparse.ArgumentParser(prog="callinsight", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the nightly flow once (no server needed)")
    run.add_argument("--input", type=Path, default=settings.input, help="file or folder")
    run.add_argument("--output", type=Path, default=settings.output, help="output root OUT")
    run.add_argument("--date", type=_parse_date, default=None, help="run date YYYY-MM-DD")
    run.add_argument("--batch-size", type=int, default=None, help="calls per batch")
    run.set_defaults(func=cmd_run)
    backfill = sub.add_parser("backfill", help="run the flow for each night of a date range")
    backfill.add_argument("--input", type=Path, default=settings.input)
    backfill.add_argument("--output", type=Path, default=settings.output)
    backfill.add_argument("--from", dest="first", type=_parse_date, required=True)
    backfill.add_argument("--to", dest="last", type=_parse_date, required=True)
    backfill.add_argument("--batch-size", type=int, default=None)
    backfill.set_defaults(func=cmd_backfill)
    evaluate = sub.add_parser("eval", help="measure every detector on real labelled data")
    evaluate.add_argument("--data", type=Path, default=DEFAULT_DATA,
                          help=f"shared data folder (default: {DEFAULT_DATA})")
    evaluate.add_argument("--suite", action="append", choices=sorted(SUITES),
                          help="one suite (repeatable; default: all)")
    evaluate.set_defaults(func=cmd_eval)
    serve = sub.add_parser("serve", help="serve the flow on a nightly cron schedule")
    serve.add_argument("--input", type=Path, default=settings.input)
    serve.add_argument("--output", type=Path, default=settings.output)
    serve.add_argument("--cron", default=None, help=f"default: {settings.schedule_cron!r}")
    serve.set_defaults(func=cmd_serve)
    return parser


def _setting_error(e: Exception) -> str:
    """One line per problem, naming the environment variable."""
    if isinstance(e, ValidationError):
        return "; ".join(f"CALLINSIGHT_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}"
                         for err in e.errors())
    return str(e)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `callinsight` console script."""
    configure_runtime()
    try:
        parser = build_parser()
    except (ValidationError, SettingsError) as e:  # a CALLINSIGHT_* setting is unusable
        print(f"callinsight: error: bad setting: {_setting_error(e)}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as e:
        print(f"callinsight: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the run as a whole failed: say so plainly, keep the trace in logs
        log.exception("run failed")
        print(f"callinsight: run failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
