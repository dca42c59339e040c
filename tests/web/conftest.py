"""The pages' tests share the criteria tests' temporary media root and the OCOP tests' cast."""

import pytest

from tests.ocop.conftest import other_commune, producer, product  # noqa: F401


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A temporary storage root for every test here: evidence files never land in the
    project's media folder, and a test can list exactly what was stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
