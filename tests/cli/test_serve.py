"""`imr serve`, `imr db upgrade`, `imr users add`: the server starts from the CLI and tokens work against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.conftest import case_with_records, synthetic_application, tamper_with_audit_log
from tests.patience import patience
from typer.testing import CliRunner

from openimr.cases.domain import Actor, UserRole
from openimr.cases.services import Services, open_services
from openimr.cases.users import hash_token
from openimr.cli import app
from openimr.settings import Settings

runner = CliRunner()
CLI = Actor("cli test", UserRole.ADMIN)


def test_db_upgrade_and_users_add_print_a_working_token(tmp_path: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert upgraded.exit_code == 0 and "latest schema" in upgraded.output
    assert (tmp_path / "openimr.db").is_file()
    added = runner.invoke(app, ["users", "add", "casey", "--role", "intake", "--data-dir", str(tmp_path)])
    assert added.exit_code == 0
    token = added.stdout.strip()
    assert len(token) >= 40
    actor = open_services(Settings(data_dir=tmp_path)).services.users.authenticate(token)
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
    token = runner.invoke(app, ["users", "add", "root", "--role", "admin", "--data-dir", str(tmp_path)]).stdout.strip()
    imr = Path(sys.executable).with_name("imr")
    server = subprocess.Popen(
        [str(imr), "serve", "--data-dir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + patience(60)
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "imr serve did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        me = httpx.get(f"http://127.0.0.1:{port}/me", headers={"Authorization": f"Bearer {token}"}, timeout=patience(5))
        assert me.json() == {"name": "root", "role": "admin", "reviewer_id": None}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=patience(30))
    assert f"http://127.0.0.1:{port}" in output and "imr users add" in output


def test_a_command_that_creates_a_new_empty_database_says_so(tmp_path: Path) -> None:
    first = runner.invoke(app, ["users", "add", "casey", "--role", "intake", "--data-dir", str(tmp_path / "elsewhere")])
    assert first.exit_code == 0 and len(first.stdout.strip()) >= 40
    assert "created a new, empty one" in first.stderr and str(tmp_path / "elsewhere" / "openimr.db") in first.stderr
    second = runner.invoke(app, ["users", "add", "robin", "--role", "intake", "--data-dir", str(tmp_path / "elsewhere")])
    assert second.exit_code == 0 and "created" not in second.stderr, "an existing database is used without a note"


def test_users_add_and_the_server_share_the_database_named_by_the_environment(tmp_path: Path) -> None:
    env = {"OPENIMR_DATA_DIR": str(tmp_path / "shared")}
    added = runner.invoke(app, ["users", "add", "casey", "--role", "admin"], env=env)
    assert added.exit_code == 0
    server_side = open_services(Settings(data_dir=tmp_path / "shared")).services
    actor = server_side.users.authenticate(added.stdout.strip())
    assert actor is not None and actor.name == "casey"


def test_tokens_are_issued_listed_and_revoked_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path), "--db", database_url]
    settings = Settings(data_dir=tmp_path, db=database_url)
    first = runner.invoke(app, ["users", "add", "lee", "--role", "intake", "--expires-days", "7", *data]).stdout.strip()
    second = runner.invoke(app, ["tokens", "issue", "lee", "--label", "scanner", *data])
    assert second.exit_code == 0 and "expires" in second.stderr
    services = open_services(settings).services
    assert services.users.authenticate(first) is not None
    listed = runner.invoke(app, ["tokens", "list", "--user", "lee", *data])
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 2 and all("\tlee\t" in line and "\tactive\t" in line for line in lines)
    assert "last used never" not in lines[0], "the first token was used above"
    token_id = lines[0].split("\t")[0]
    revoked = runner.invoke(app, ["tokens", "revoke", token_id, *data])
    assert revoked.exit_code == 0 and "\trevoked\t" in revoked.stdout
    assert open_services(settings).services.users.authenticate(first) is None
    missing = runner.invoke(app, ["tokens", "issue", "nobody", *data])
    assert missing.exit_code != 0 and "no such user" in str(missing.exception)


def test_audit_verify_reports_an_intact_chain_and_the_first_broken_link(database_url: str, tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path), "--db", database_url]
    for name in ("a", "b", "c"):
        runner.invoke(app, ["users", "add", name, "--role", "intake", *data])
    intact = runner.invoke(app, ["audit", "verify", *data])
    assert intact.exit_code == 0 and "intact: 6 entries" in intact.stdout
    services = open_services(Settings(data_dir=tmp_path, db=database_url)).services
    tamper_with_audit_log(services, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")
    broken = runner.invoke(app, ["audit", "verify", *data])
    assert broken.exit_code == 1 and "entry seq 4" in broken.stderr and "changed after it was written" in broken.stderr


def test_imr_worker_drains_the_drafting_queue_of_the_servers_database(database_url: str, tmp_path: Path) -> None:
    services = open_services(Settings(data_dir=tmp_path, db=database_url, drafting_workers=0)).services
    case_id = _case_in_review(services)
    drained = runner.invoke(app, ["worker", "--drain", "--data-dir", str(tmp_path), "--db", database_url])
    assert drained.exit_code == 0 and "ran 1 job(s)" in drained.stdout, drained.output
    assert services.cases.get(case_id, CLI).state == "drafted"


def _case_in_review(services: Services) -> int:
    record = "Chronic low back pain; cyclobenzaprine for six months, no improvement."
    return case_with_records(services, synthetic_application("w-cli", "c-cli", record=record), CLI).id


def test_a_database_that_cannot_be_opened_is_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens there once the probe is closed
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port}/openimr"
    imr = str(Path(sys.executable).with_name("imr"))
    result = subprocess.run(
        [imr, "users", "list", "--db", unreachable, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=patience(120),
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and result.stdout == "" and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"imr: error: {unreachable}: cannot open the database (") and "Connection refused" in lines[0]
    for url, command, problem in [
        ("nosuchdb://somewhere/openimr", ["db", "upgrade"], "sqlalchemy.dialects:nosuchdb"),
        (f"sqlite:///{tmp_path / 'no-such-folder' / 'openimr.db'}", ["audit", "verify"], "unable to open database file"),
    ]:
        refused = runner.invoke(app, [*command, "--db", url, "--data-dir", str(tmp_path)])
        assert refused.exit_code != 0 and f"{url}: cannot open the database (" in str(refused.exception), refused.output
        assert problem in str(refused.exception)
