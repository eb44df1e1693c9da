"""The settings of the case service, in one place for the server and every command.

Each setting is read, in this order of precedence, from a command-line flag, the environment variable `OPENIMR_<NAME>`
(`OPENIMR_DB`, `OPENIMR_DATA_DIR`, `OPENIMR_HOST`, ...), then the default below. `imr serve`, `imr users add`,
`imr db ...` and `imr worker` all build their `Settings` here, so given the same flags and environment they open the same
database.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from openimr.model import Organization

DEFAULT_DATA_DIR = Path("var")
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ENV_PREFIX = "OPENIMR_"


class Settings(BaseSettings):
    """Where the service keeps its data, where it listens, and what its letters say about the organization."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    db: str | None = Field(
        default=None,
        description="Database URL, e.g. postgresql+psycopg://user@host/db; default: the SQLite file openimr.db in data_dir.",
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Where the SQLite file and the uploaded documents live.")
    host: str = Field(default="127.0.0.1", description="Address `imr serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `imr serve` listens on.")
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1, description="Largest document accepted.")
    worker_threads: int = Field(default=8, ge=1, le=256, description="Threads that run request handlers, per process.")
    org_name: str = Field(default="openimr Independent Medical Review Organization", min_length=1, max_length=200)
    org_short_name: str = Field(
        default="IMRO",
        pattern=r"^[A-Z][A-Za-z0-9&-]{0,39}$",
        description='One capitalised word labelling the organization\'s guideline line in letters ("IMRO guideline:").',
    )
    org_address: str = Field(
        default="", max_length=500, description='The organization\'s postal address, for letters: lines separated by ";".'
    )
    org_phone: str | None = Field(default=None, max_length=100, description="The organization's telephone, for letters.")
    org_signatory: str | None = Field(
        default=None, max_length=200, description='Who signs letters for the organization, e.g. "Medical Director".'
    )

    session_seconds: int = Field(
        default=8 * 3600, ge=1, le=30 * 24 * 3600, description="How long a web-app session lasts from sign-in, in seconds."
    )
    secret_key: str | None = Field(
        default=None,
        min_length=16,
        description="Signs the web app's session cookies; default: a random key kept in data_dir/session.key.",
    )

    @property
    def database_url(self) -> str:
        """The database URL: the one given, or the embedded SQLite file in the data directory (as an absolute path)."""
        return self.db or f"sqlite:///{(self.data_dir / 'openimr.db').resolve()}"

    @property
    def organization(self) -> Organization:
        """The organization the letters name, with its letterhead."""
        return Organization(
            name=self.org_name,
            short_name=self.org_short_name,
            address=[line.strip() for line in self.org_address.replace("\n", ";").split(";") if line.strip()],
            phone=self.org_phone or None,
            signatory=self.org_signatory or None,
        )

    @property
    def documents_dir(self) -> Path:
        """Where uploaded documents are stored."""
        return self.data_dir / "documents"


def redact(url: str) -> str:
    """A database URL without its password, fit for messages."""
    return make_url(url).render_as_string(hide_password=True)
