"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temporary folder, started
with ``pg_ctl`` on a free 127.0.0.1 port (its socket in that folder), stopped and removed at
the end of the session. initdb refuses to run as root: as root the server runs as the
``postgres`` OS user (else ``nobody``), in a folder that user owns.

The programs are found on PATH, else under /usr/lib/postgresql/<version>/bin (the newest).
:func:`start_server` raises :class:`Unavailable` with the reason when no server can be
started; the fixture in conftest.py skips with it, or fails under GRIDKIT_REQUIRE_TOOLS.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ADMIN = "gridkit_admin"


class Unavailable(Exception):
    """No PostgreSQL server could be started here (the reason is the message)."""


def as_role(url: str, role: str) -> str:
    """The same server and database, logged in as ``role``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl."""
    exe = shutil.which("initdb")
    if exe is not None:
        folder = Path(exe).resolve().parent
        if (folder / "pg_ctl").exists():
            return folder
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: _version(p.parent.parent.name), reverse=True)
    return candidates[0].parent if candidates else None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name.split(".") if x.isdigit())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    root: Path
    bindir: Path
    port: int
    run_as: list[str] = field(default_factory=list)  # ["runuser", "-u", user, "--"] as root
    databases: int = 0

    def url(self, role: str = ADMIN, database: str = "postgres") -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database; its admin url."""
        import psycopg  # the tests that need a server have psycopg (the dev extra)

        self.databases += 1
        name = f"test_{self.databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(database=name)

    def _ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"),
                               "-D", str(self.root / "data"), *args],
                              capture_output=True, text=True, timeout=120, check=False)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._ctl("stop", "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PgServer:
    bindir = find_bindir()
    if bindir is None:
        raise Unavailable("PostgreSQL is not installed (no initdb on PATH or under "
                          "/usr/lib/postgresql/*/bin)")
    root = Path(tempfile.mkdtemp(prefix="gridkit-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user
        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        runuser = shutil.which("runuser")
        if user is None or runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable("running as root without a 'postgres' or 'nobody' user and "
                              "runuser to start PostgreSQL as")
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        run_as = [runuser, "-u", user, "--"]
    init = subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(root / "data"),
                           "-U", ADMIN, "-A", "trust", "-E", "UTF8", "--locale=C",
                           "--no-sync"], capture_output=True, text=True, timeout=300,
                          check=False)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"initdb failed: {(init.stderr or init.stdout).strip()[-500:]}")
    reason = ""
    for _ in range(3):  # a free port may be taken between choosing it and listening
        server = PgServer(root, bindir, _free_port(), run_as)
        options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        started = server._ctl("-l", str(root / "server.log"), "-w", "-t", "60",
                              "-o", options, "start")
        if started.returncode == 0:
            return server
        log = root / "server.log"
        reason = (log.read_text(errors="replace") if log.exists() else started.stderr)
    shutil.rmtree(root, ignore_errors=True)
    raise Unavailable(f"pg_ctl start failed: {reason.strip()[-500:]}")


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
