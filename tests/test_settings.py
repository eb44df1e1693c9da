"""Settings: one source for every command and the server; flags over environment variables over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.cli.common import settings_from
from openimr.errors import OpenIMRError
from openimr.settings import Settings


def test_the_environment_names_the_database_and_a_flag_overrides_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENIMR_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("OPENIMR_PORT", "8123")
    from_env = settings_from(db=None, data_dir=None)
    assert from_env.data_dir == tmp_path / "from-env" and from_env.port == 8123
    assert from_env.database_url == f"sqlite:///{tmp_path / 'from-env' / 'openimr.db'}"
    flagged = settings_from(db=None, data_dir=tmp_path / "from-flag")
    assert flagged.database_url == f"sqlite:///{tmp_path / 'from-flag' / 'openimr.db'}"
    monkeypatch.setenv("OPENIMR_DB", "postgresql+psycopg://imr@db.example/imr")
    assert settings_from(db=None, data_dir=None).database_url == "postgresql+psycopg://imr@db.example/imr"


def test_the_default_sqlite_file_is_an_absolute_path_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENIMR_DB", "OPENIMR_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    url = Settings().database_url
    assert url.startswith("sqlite:////") and url.endswith("/var/openimr.db")


def test_a_bad_setting_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENIMR_PORT", "eighty")
    with pytest.raises(OpenIMRError, match=r"^setting port: "):
        settings_from(db=None)
