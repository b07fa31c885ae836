"""The `callinsight` command: clear errors before the run, exit codes, a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import main
from flows.tables import partition_dir


def test_cli_missing_input_is_a_clear_error(tmp_path: Path, capsys):
    code = main(["run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o")])
    assert code == 2
    assert "input path does not exist" in capsys.readouterr().err


def test_cli_empty_input_is_a_clear_error(tmp_path: Path, capsys):
    (tmp_path / "in").mkdir()
    code = main(["run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "o")])
    assert code == 2
    assert "no transcript files found" in capsys.readouterr().err


def test_cli_unwritable_output_is_a_clear_error(tmp_path: Path, sample_slice: Path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = main(["run", "--input", str(sample_slice), "--output", str(blocker / "out")])
    assert code == 2
    assert "output folder is not writable" in capsys.readouterr().err


def test_cli_bad_setting_is_a_clear_error(tmp_path: Path, monkeypatch, capsys):
    args = ["run", "--input", str(tmp_path), "--output", str(tmp_path / "o")]
    monkeypatch.setenv("CALLINSIGHT_WORKERS", "-1")
    assert main(args) == 2
    assert "bad setting: CALLINSIGHT_WORKERS: Input should be greater than or equal to 0" in \
        capsys.readouterr().err
    monkeypatch.delenv("CALLINSIGHT_WORKERS")
    monkeypatch.setenv("CALLINSIGHT_SPEAKER_ROLES", "not json")
    assert main(args) == 2
    assert 'bad setting: error parsing value for field "speaker_roles"' in capsys.readouterr().err


def test_cli_bad_date_is_rejected(tmp_path: Path, sample_slice: Path):
    with pytest.raises(SystemExit) as e:
        main(["run", "--input", str(sample_slice), "--output", str(tmp_path), "--date", "26/11"])
    assert e.value.code == 2


def test_cli_backfill_rejects_reversed_range(tmp_path: Path, sample_slice: Path, capsys):
    code = main(["backfill", "--input", str(sample_slice), "--output", str(tmp_path),
                 "--from", "2026-11-26", "--to", "2026-11-25"])
    assert code == 2
    assert "before --from" in capsys.readouterr().err


def test_cli_run_writes_night_and_reports(tmp_path: Path, sample_slice: Path, capsys,
                                          prefect_server):
    code = main(["run", "--input", str(sample_slice), "--output", str(tmp_path),
                 "--date", "2026-11-26"])
    assert code == 0
    out = capsys.readouterr().out
    assert "night 2026-11-26" in out and "calls" in out
    assert list(partition_dir(tmp_path, "calls", __import__("datetime").date(2026, 11, 26))
                .glob("part-*.parquet"))


def test_cli_serve_builds_a_cron_deployment_with_the_paths(tmp_path: Path, monkeypatch):
    from flows.cli import build_deployment, build_parser

    monkeypatch.setenv("CALLINSIGHT_SCHEDULE_CRON", "15 3 * * *")
    args = build_parser().parse_args(["serve", "--input", "in", "--output", str(tmp_path)])
    deployment = build_deployment(args)
    assert deployment.name == "nightly"
    assert deployment.schedules[0].schedule.cron == "15 3 * * *"
    assert deployment.parameters == {"input_path": "in", "output": str(tmp_path)}
    args = build_parser().parse_args(["serve", "--cron", "0 1 * * *"])
    assert build_deployment(args).schedules[0].schedule.cron == "0 1 * * *"
