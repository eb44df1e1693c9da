"""The issuing organization's settings, from environment variables (`OPENIMR_ORGANIZATION_*`).

    OPENIMR_ORGANIZATION_NAME        "Independent Medical Review Organization"
    OPENIMR_ORGANIZATION_SHORT_NAME  "IMRO"   (one capitalised word: the label of its guideline line)
    OPENIMR_ORGANIZATION_ADDRESS     address lines separated by ";", e.g. "100 Example Way; Sacramento, CA 95814"
    OPENIMR_ORGANIZATION_PHONE
    OPENIMR_ORGANIZATION_SIGNATORY   who signs for the organization, e.g. "Medical Director"

A value that is not acceptable (a short name of two words, say) is one `OpenIMRError` naming the variable.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from openimr.errors import OpenIMRError
from openimr.model import Organization

ENV_PREFIX = "OPENIMR_ORGANIZATION_"


class OrganizationSettings(BaseSettings):
    """The organization as the environment describes it."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    name: str = Organization.model_fields["name"].default
    short_name: str = Organization.model_fields["short_name"].default
    address: str = ""
    phone: str | None = None
    signatory: str | None = None

    def organization(self) -> Organization:
        """The `Organization` these settings describe."""
        try:
            return Organization(
                name=self.name,
                short_name=self.short_name,
                address=[line.strip() for line in self.address.split(";") if line.strip()],
                phone=self.phone or None,
                signatory=self.signatory or None,
            )
        except ValidationError as error:
            first = error.errors()[0]
            variable = ENV_PREFIX + str(first["loc"][0]).upper() if first["loc"] else ENV_PREFIX + "*"
            raise OpenIMRError(first["msg"], variable) from None


def organization_from_environment() -> Organization:
    """The organization named by the `OPENIMR_ORGANIZATION_*` environment variables (defaults where unset)."""
    return OrganizationSettings().organization()
