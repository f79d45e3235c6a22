"""`qa serve` starts the server from inside the package, with app.py's options; an installed qa needs no checkout."""
import os
import shutil
import subprocess
import sys

from .support import ROOT


def _run(args: list[str], cwd=ROOT) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_qa_serve_takes_the_options_of_app_py():
    def options(help_text: str) -> set[str]:
        return {word.strip("[],") for word in help_text.split() if word.startswith(("--", "[--"))}

    serve, app = _run(["-m", "qa", "serve", "--help"]), _run([str(ROOT / "app.py"), "--help"])
    assert serve.returncode == app.returncode == 0
    assert options(serve.stdout) == options(app.stdout) >= {"--host", "--port", "--source", "--uploads", "--index",
                                                             "--expose", "--no-auth", "--watch", "--user"}


def test_qa_serve_refuses_all_interfaces_without_expose_like_app_py(tmp_path):
    run = _run(["-m", "qa", "serve", "--host", "0.0.0.0", "--index", str(tmp_path / "i")])
    assert run.returncode == 2 and "--expose" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "i").exists()


def test_outside_a_checkout_the_default_folders_are_the_current_folder(tmp_path):
    shutil.copytree(ROOT / "qa", tmp_path / "site" / "qa", ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    code = ("import qa.config as c; print(c.__file__); "
            "print(c.DEFAULT_SOURCE, c.USER_SOURCE, c.DEFAULT_INDEX, sep='\\n')")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "site")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=work, env=env)
    assert run.returncode == 0, run.stderr
    where, *folders = run.stdout.split()
    assert where.startswith(str(tmp_path / "site"))
    assert folders == [str(work.resolve() / name) for name in ("seeds", "articles", "index")]


def test_in_the_checkout_the_default_folders_are_the_checkouts():
    from qa.config import DEFAULT_INDEX, DEFAULT_SOURCE, USER_SOURCE

    assert (DEFAULT_SOURCE, USER_SOURCE, DEFAULT_INDEX) == (ROOT / "seeds", ROOT / "articles", ROOT / "index")
    assert os.path.samefile(DEFAULT_SOURCE.parent, ROOT)
