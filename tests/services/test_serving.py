"""gunicorn with the shipped settings: it reads `.env`, and a production refusal is one
line from the master, not a traceback per worker."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def run_gunicorn(config: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "APP_"))}
    return subprocess.run(
        [str(GUNICORN), "-c", str(config), "--chdir", str(ROOT), *args, "wsgi:app"],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_reads_the_env_file_beside_its_settings(tmp_path):
    config = tmp_path / "gunicorn.conf.py"
    shutil.copy(ROOT / "gunicorn.conf.py", config)
    (tmp_path / ".env").write_text("GUNICORN_WORKERS=3\nGUNICORN_BIND=127.0.0.1:8123\n")
    printed = run_gunicorn(config, "--print-config").stdout
    assert re.search(r"^workers\s+= 3$", printed, re.MULTILINE), printed
    assert "127.0.0.1:8123" in printed


def test_an_unsafe_production_start_is_refused_in_one_line():
    result = run_gunicorn(
        ROOT / "gunicorn.conf.py",
        "--bind",
        "127.0.0.1:0",
        env={"APP_ENV": "production", "DATABASE_URL": "sqlite:///:memory:"},
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    refusals = [line for line in output.splitlines() if "refusing to start" in line]
    assert len(refusals) == 1, output
    assert "Traceback" not in output and "Booting worker" not in output, output
