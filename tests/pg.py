"""A real PostgreSQL server for the tests, started from the Debian package's binaries.

``postgres_url`` (session scope) runs ``initdb`` into a temporary folder, starts
``pg_ctl`` on 127.0.0.1 with a free port and its unix socket in that folder,
creates a database and yields its URL; the server is stopped at the end.  As
root, the server runs as the ``postgres`` user (``runuser``), since PostgreSQL
refuses to run as root.  ``tools/setup.sh`` installs the package.

Without the binaries the tests fail when ``CI`` is set and are skipped elsewhere.
Use it with ``from . import pg`` and ``postgres_url = pg.postgres_url`` in a test module.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DATABASE = "svodka_test"
SUPERUSER = "svodka"


def pg_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, else initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if
                   Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _server_user() -> str | None:
    """None when we may run the server ourselves; else an unprivileged OS user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("запуск PostgreSQL от root невозможен, а пользователя postgres/nobody нет")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = pg_bindir()
    if bindir is None:
        message = ("PostgreSQL не установлен (нет initdb в /usr/lib/postgresql/*/bin): "
                   "запустите tools/setup.sh или apt-get install postgresql")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="svodka-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    data, log = base / "data", base / "server.log"
    port = _free_port()
    started = False
    try:
        init = _run([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                     "-E", "UTF8", "--no-locale", "--no-sync"], user)
        if init.returncode != 0:
            pytest.fail(f"initdb не сработал:\n{init.stdout}\n{init.stderr}")
        options = (f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        start = _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                      "-t", "60", "-o", options, "start"], user)
        if start.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"PostgreSQL не запустился:\n{start.stdout}\n{start.stderr}\n{text}")
        started = True
        import psycopg

        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")
        yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user)
        shutil.rmtree(base, ignore_errors=True)
