"""The user's articles live in a git-ignored folder; using the app leaves the repository clean."""
import os
import shutil
import subprocess
import sys

import pytest

from .support import ROOT, article, keyword

GIT = shutil.which("git")
UPLOAD_SCRIPT = """
import sys
from qa.serve import startup
from qa.ui.collection_tab import CollectionTab

args = startup.parse_args([])  # the defaults of `make run`
engine = startup.open_engine(args.index, args.source)
notice, *_ = CollectionTab(engine, args.source, args.uploads).add_files([sys.argv[1]], progress=lambda *a, **k: None)
print(notice)
print("cited:", engine.ask(sys.argv[2], 1).excerpts[0].citation.doc_id)
"""


def _git(repo, *args) -> str:
    out = subprocess.run([GIT, "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_app_indexes_seeds_and_the_user_folder_and_uploads_go_to_the_user_folder():
    from qa.serve import startup
    from qa.config import DEFAULT_SOURCE, USER_SOURCE

    args = startup.parse_args([])
    assert args.source == [DEFAULT_SOURCE, USER_SOURCE] and args.uploads == USER_SOURCE
    assert USER_SOURCE.is_dir() and USER_SOURCE.parent == ROOT and USER_SOURCE != DEFAULT_SOURCE
    named = startup.parse_args(["--source", "/tmp/a", "--source", "/tmp/b"])  # uploads go to the last one named
    assert named.uploads.as_posix() == "/tmp/b" and len(named.source) == 2
    other = startup.parse_args(["--source", "/tmp/a", "--uploads", "/tmp/up"])  # and are indexed with the rest
    assert [p.as_posix() for p in other.source] == ["/tmp/a", "/tmp/up"]


@pytest.mark.skipif(GIT is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout")
def test_the_user_folder_is_ignored_by_git():
    from qa.config import USER_SOURCE

    probe = USER_SOURCE / "some article.txt"
    assert _git(ROOT, "check-ignore", str(probe)).strip()


@pytest.mark.model  # the app's start-up build loads the model
@pytest.mark.skipif(GIT is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout")
def test_using_the_app_leaves_the_repositorys_tracked_files_untouched(tmp_path):
    """A copy of the repository's tracked files, used as `make run` does: start-up build, then an upload."""
    repo = tmp_path / "repo"
    for name in _git(ROOT, "ls-files", "-z").split("\0"):
        if name and (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "copy")
    upload = tmp_path / "harbour news.txt"
    upload.write_text(article(7), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(repo)}
    out = subprocess.run([sys.executable, "-c", UPLOAD_SCRIPT, str(upload), f"What happened in {keyword(7)}?"],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "added and ready for questions" in out.stdout and "cited: articles/harbour news.txt" in out.stdout
    assert (repo / "articles" / "harbour news.txt").is_file() and (repo / "index" / "qa.sqlite").is_file()
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
