"""Private servers for the fault tests: a Redis and a PostgreSQL cluster each test suite
starts, breaks and stops itself, always by its own process id (never the machine's)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {seconds} s")


class PrivateRedis:
    """`redis-server` on a free port, without persistence: a restart loses everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="miniapp-faults-redis-")
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", self.dir]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, 10, "the private Redis did not answer")

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """Hang Redis: the process is stopped, its socket accepts but nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.paused and self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.paused = False

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class PrivatePostgres:
    """A throwaway cluster (`initdb` in a temporary directory) on a free port. As root,
    the server programs run as the `postgres` user (PostgreSQL refuses root)."""

    DATABASE = "miniapp_faults_test"

    def __init__(self, bin_dir: str) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="miniapp-faults-pg-")
        self.data = os.path.join(self.dir, "data")
        self.running = False
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.DATABASE}"

    def _run(self, program: str, *args: str) -> None:
        command = [os.path.join(self.bin_dir, program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = os.path.join(self.dir, "server.log")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", *args)

    def create(self) -> None:
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.DATABASE}")

    def start(self) -> None:
        self._pg_ctl("start")
        self.running = True

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")
        self.running = False

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class FakeWeChat:
    """A tiny local WeChat (`WECHAT_API_BASE`): answers jscode2session, or is slow, or
    fails with a 500 or WeChat's "system busy", as `mode` says."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 0.0
        self.calls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.calls += 1
                if fake.delay:
                    time.sleep(fake.delay)
                status, body = fake.answer(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout)
                    self.wfile.write(data)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, path: str) -> tuple[int, str]:
        if self.mode == "500":
            return 500, "<html>Internal Server Error</html>"
        if self.mode == "busy":
            return 200, '{"errcode": -1, "errmsg": "system busy"}'
        code = path.split("js_code=", 1)[1].split("&", 1)[0] if "js_code=" in path else "x"
        return 200, f'{{"openid": "o-{code}", "session_key": "c2Vzc2lvbi1rZXk="}}'

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
