import pytest
from django.db import connection


@pytest.fixture
def postgres_only(db):
    """Skip the test unless it runs against PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
