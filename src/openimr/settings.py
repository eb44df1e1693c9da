"""The settings of the case service, in one place for the server and every command.

Each setting is read, in this order of precedence, from a command-line flag, the environment variable `OPENIMR_<NAME>`
(`OPENIMR_DB`, `OPENIMR_DATA_DIR`, `OPENIMR_HOST`, ...), then the default below. `imr serve`, `imr users add`,
`imr db ...` and `imr worker` all build their `Settings` here, so given the same flags and environment they open the same
database.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
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
    workers: int = Field(default=1, ge=1, le=64, description="Processes `imr serve` runs (use more than 1 with PostgreSQL).")
    document_key: SecretStr | None = Field(
        default=None, description="Fernet key encrypting stored documents (`imr keys generate`); none: stored as given."
    )
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1, description="Largest document accepted.")
    worker_threads: int = Field(default=8, ge=1, le=256, description="Threads that run request handlers, per process.")
    wal_checkpoint_seconds: float = Field(
        default=0,
        ge=0,
        le=60,
        description="SQLite: how often `imr serve` checkpoints the WAL on a thread of its own, outside its COMMITs "
        "(0, the default until a benchmark shows the thread pays: SQLite's automatic checkpoints, inside the COMMIT that "
        "crosses 1,000 pages).",
    )
    token_ttl_days: int = Field(default=90, ge=1, le=3650, description="Lifetime of a new bearer token, in days.")
    sign_in_max_failures: int = Field(
        default=10, ge=1, description="Failed sign-ins a client may make per window (every process together)."
    )
    sign_in_window_seconds: float = Field(default=60.0, gt=0, description="The window for failed sign-ins, and the lockout.")
    drafting_workers: int = Field(default=1, ge=0, le=32, description="Worker threads in each `imr serve` process (0: none).")
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60, description="How often an idle worker looks for jobs.")
    job_lease_seconds: float = Field(default=60.0, gt=0, description="How long a worker holds a job before others may take it.")
    job_max_attempts: int = Field(default=5, ge=1, le=100, description="Attempts at a job before it fails.")
    job_backoff_seconds: float = Field(default=2.0, ge=0, description="Delay before the first retry (doubled each time).")
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

    def environment(self) -> dict[str, str]:
        """These settings as `OPENIMR_*` environment variables, for processes started with the same settings."""
        values = self.model_dump(exclude_none=True)
        if self.document_key is not None:
            values["document_key"] = self.document_key.get_secret_value()
        return {f"{ENV_PREFIX}{name.upper()}": str(value) for name, value in values.items()}

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
