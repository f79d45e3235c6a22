"""Start-up creates the uploads folder it is told to use (and says so); a missing --source stays an error."""
import subprocess
import sys

import pytest

from qa.errors import LoadError
from qa.serve.startup import parse_args, prepare_folders

from .support import ROOT


def test_uploads_folder_and_its_parents_are_created_and_reported(tmp_path, capsys):
    source = tmp_path / "articles"
    source.mkdir()
    uploads = tmp_path / "new" / "deeper" / "mine"
    args = parse_args(["--source", str(source), "--uploads", str(uploads), "--index", str(tmp_path / "i")])
    prepare_folders(args)
    assert uploads.is_dir()
    assert f"created the uploads folder {uploads}" in capsys.readouterr().err
    prepare_folders(args)  # a second start says nothing: the folder is there
    assert "created" not in capsys.readouterr().err


def test_a_missing_source_is_still_an_error_and_nothing_is_created(tmp_path):
    uploads = tmp_path / "mine"
    args = parse_args(["--source", str(tmp_path / "typo"), "--uploads", str(uploads)])
    with pytest.raises(LoadError, match="collection folder not found: .*typo"):
        prepare_folders(args)
    assert not uploads.exists()


def test_app_py_with_a_missing_source_exits_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([sys.executable, str(ROOT / "app.py"), "--source", str(tmp_path / "typo"),
                          "--uploads", str(tmp_path / "up"), "--index", str(tmp_path / "i")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2 and run.stderr.strip().endswith(f"collection folder not found: {tmp_path / 'typo'}")
    assert not (tmp_path / "up").exists() and not (tmp_path / "i").exists()
