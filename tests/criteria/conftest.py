import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A temporary storage root for every test here: evidence files never land in the
    project's media folder, and a test can list exactly what was stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
