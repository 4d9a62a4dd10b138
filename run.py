#!/usr/bin/env python3
"""Zhiku's two set-up commands; needs only Python 3.11+.

    python3 run.py          install, migrate, load demo content, start web + worker + scheduler
    python3 run.py test     install, then run the whole test suite

Everything installs into ./.venv from requirements.lock; state lives in ./var.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".zhiku-lock-sha256"


def say(message):
    print(f"[zhiku] {message}", flush=True)


def ensure_venv():
    if sys.version_info < (3, 11):
        sys.exit("Zhiku needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        say("installing Python packages from requirements.lock (first run takes a few minutes)")
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK], check=True)
        STAMP.write_text(digest)


def manage(*args, env=None):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True, env=env)


def port_is_free(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def start():
    ensure_venv()
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("demo_content")
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(port):
        sys.exit(f"Port {port} is in use; set PORT=... to use another.")
    bin_dir = VENV / "bin"
    processes = {
        "web": [bin_dir / "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--threads", "4", "--timeout", "120", "--access-logfile", "-"],
        "worker": [bin_dir / "celery", "-A", "portal", "worker", "--loglevel", "INFO", "--concurrency", "2"],
        "scheduler": [bin_dir / "celery", "-A", "portal", "beat", "--loglevel", "INFO"],
    }
    children = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in processes.items()}
    say(f"portal running at http://127.0.0.1:{port}/  (admin: /admin/) — Ctrl-C stops web, worker and scheduler")

    def stop(*_args):
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        for name, child in children.items():
            if child.poll() is not None:
                say(f"{name} exited with code {child.returncode}; stopping the others")
                stop()
        time.sleep(1)


def ensure_chromium():
    """Browser tests use Debian's chromium; install it when we may."""
    if shutil.which("chromium"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian chromium for the browser tests")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("chromium"):
        say("chromium is not available: browser tests will be skipped")


def answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test(extra_args):
    """The whole suite on the embedded default (SQLite, in-memory broker) and, when they answer
    on this machine, again on PostgreSQL and Redis. The two passes share no database, broker or
    port, so they run at the same time; the second one's output is printed after the first's."""
    ensure_venv()
    ensure_chromium()
    pytest = [PYTHON, "-m", "pytest", *extra_args]
    if extra_args:
        sys.exit(subprocess.run(pytest, cwd=ROOT).returncode)
    scale_env = {}
    if answers("127.0.0.1", 5432):
        scale_env["DATABASE_URL"] = os.environ.get("ZHIKU_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    else:
        say("PostgreSQL does not answer on 127.0.0.1:5432: skipping the PostgreSQL pass")
    if answers("127.0.0.1", 6379):
        scale_env["CELERY_BROKER_URL"] = os.environ.get("ZHIKU_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    else:
        say("Redis does not answer on 127.0.0.1:6379: skipping the Redis pass")
    second = None
    if scale_env and "DATABASE_URL" not in scale_env:
        # Redis without PostgreSQL: the second pass is on SQLite too, so it needs a test database
        # file of its own while the first pass uses the usual one (portal/settings.py).
        first_db = os.environ.get("ZHIKU_TEST_DB") or str(
            Path(os.environ.get("ZHIKU_VAR_DIR", ROOT / "var")) / "zhiku-test.sqlite3")
        scale_env["ZHIKU_TEST_DB"] = str(Path(first_db).with_suffix("")) + "-second-pass.sqlite3"
    if scale_env:
        say("second pass on " + ", ".join(f"{k}={v}" for k, v in scale_env.items()))
        say("it runs alongside the first pass; its output is shown when the first pass is done")
        log = tempfile.TemporaryFile()
        # No pytest cache for this one: two sessions writing .pytest_cache at once could garble it.
        second = subprocess.Popen([*pytest, "-p", "no:cacheprovider", "-m", "not browser"], cwd=ROOT,
                                  env={**os.environ, **scale_env}, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        code = subprocess.run(pytest, cwd=ROOT).returncode
    except BaseException:
        if second is not None:
            second.terminate()
            second.wait()
        raise
    if second is None:
        sys.exit(code)
    if second.poll() is None:
        say("first pass done; waiting for the second pass")
    second_code = second.wait()
    say("output of the second pass on " + ", ".join(f"{k}={v}" for k, v in scale_env.items()) + ":")
    log.seek(0)
    sys.stdout.flush()
    shutil.copyfileobj(log, sys.stdout.buffer)
    sys.stdout.flush()
    log.close()
    if code:
        say(f"the first pass (SQLite) failed with exit code {code}")
    if second_code:
        say(f"the second pass failed with exit code {second_code}")
    sys.exit(code or second_code)


if __name__ == "__main__":
    os.chdir(ROOT)
    if len(sys.argv) > 1 and sys.argv[1] == "test":
        test(sys.argv[2:])
    elif len(sys.argv) == 1 or sys.argv[1] == "start":
        start()
    else:
        sys.exit(__doc__)
