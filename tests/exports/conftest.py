import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """The default storage in this test's own folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def threshold(settings):
    """Exports of more than 2 rows go to the worker."""
    settings.EXPORT_BACKGROUND_THRESHOLD = 2
    return 2
