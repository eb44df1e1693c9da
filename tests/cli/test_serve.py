"""`imr serve`, `imr db upgrade`, `imr users add`: the server starts from the CLI and tokens work against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from openimr.cases.service import hash_token
from openimr.cli import app

runner = CliRunner()


def test_db_upgrade_and_users_add_print_a_working_token(tmp_path: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert upgraded.exit_code == 0 and "latest schema" in upgraded.output
    assert (tmp_path / "openimr.db").is_file()
    added = runner.invoke(app, ["users", "add", "casey", "--role", "intake", "--data-dir", str(tmp_path)])
    assert added.exit_code == 0
    token = added.output.strip()
    assert len(token) >= 40
    from openimr.api.app import Settings, open_workflow

    actor = open_workflow(Settings(data_dir=tmp_path)).authenticate(token)
    assert actor is not None and actor.name == "casey" and actor.role.value == "intake"
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("openimr.db*")).decode("latin-1")
    assert hash_token(token) in stored and token not in stored, "only the token's hash is stored"
    again = runner.invoke(app, ["users", "add", "casey", "--role", "admin", "--data-dir", str(tmp_path)])
    assert again.exit_code != 0 and "a user of that name exists" in str(again.exception)


def test_users_add_refuses_a_reviewer_without_a_reviewer_id(tmp_path: Path) -> None:
    result = runner.invoke(app, ["users", "add", "rita", "--role", "reviewer", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "reviewer_id" in str(result.exception)


def test_imr_serve_answers_on_loopback_and_stops(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = runner.invoke(app, ["users", "add", "root", "--role", "admin", "--data-dir", str(tmp_path)]).output.strip()
    imr = Path(sys.executable).with_name("imr")
    server = subprocess.Popen(
        [str(imr), "serve", "--data-dir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "imr serve did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        me = httpx.get(f"http://127.0.0.1:{port}/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert me.json() == {"name": "root", "role": "admin", "reviewer_id": None}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in output and "imr users add" in output
