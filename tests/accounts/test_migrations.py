"""The API tokens move from core to accounts (accounts 0002, core 0005): forward and back on a
database holding tokens and permissions on them, on SQLite and on PostgreSQL alike."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

BEFORE = [("accounts", "0001_create_staff_preferences"), ("core", "0001_create_api_tokens")]
AFTER = [("core", "0005_move_api_tokens_to_accounts")]
WHEN = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clear_content_type_cache():
    # The migration moves a content type behind the cache's back.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def test_tokens_and_their_permissions_move_to_accounts_and_back(migrator):
    # Given a token in core and a group that may view tokens (admin history points at the same
    # content type row, so it follows with it)
    state = migrator.apply_initial_migration(BEFORE)
    User = state.apps.get_model("auth", "User")
    Group = state.apps.get_model("auth", "Group")
    Permission = state.apps.get_model("auth", "Permission")
    ContentType_ = state.apps.get_model("contenttypes", "ContentType")
    staff = User.objects.create(username="priya", is_staff=True)
    token = state.apps.get_model("core", "ApiToken").objects.create(
        user=staff,
        name="zapier",
        prefix="ab12cd34",
        key_hash="f" * 64,
        created_at=WHEN,
        expires_at=WHEN + dt.timedelta(days=90),
    )
    token_ct, _ = ContentType_.objects.get_or_create(app_label="core", model="apitoken")
    view = Permission.objects.create(
        content_type=token_ct, codename="view_apitoken", name="Can view API token"
    )
    viewers = Group.objects.create(name="Token viewers")
    viewers.permissions.add(view)
    staff.groups.add(viewers)

    # When the move runs
    state = migrator.apply_tested_migration(AFTER)

    # Then accounts holds the same row in the same table, under the same content type row
    moved = state.apps.get_model("accounts", "ApiToken").objects.get(pk=token.pk)
    assert (moved.user_id, moved.name, moved.key_hash) == (staff.pk, "zapier", "f" * 64)
    ContentType_ = state.apps.get_model("contenttypes", "ContentType")
    assert ContentType_.objects.get(pk=token_ct.pk).app_label == "accounts"
    assert not ContentType_.objects.filter(app_label="core", model="apitoken").exists()
    # ... and the real model and Django's permission check see it so
    from django.contrib.auth import get_user_model

    from accounts.models import ApiToken

    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(ApiToken).pk == token_ct.pk
    assert ApiToken.objects.get(pk=token.pk).prefix == "ab12cd34"
    user = get_user_model().objects.get(pk=staff.pk)
    assert user.has_perm("accounts.view_apitoken")
    assert not user.has_perm("core.view_apitoken")

    # When it is rolled back
    state = migrator.apply_tested_migration(BEFORE)

    # Then core holds the model and the content type again, the row untouched
    ContentType_ = state.apps.get_model("contenttypes", "ContentType")
    assert ContentType_.objects.get(pk=token_ct.pk).app_label == "core"
    back = state.apps.get_model("core", "ApiToken").objects.get(pk=token.pk)
    assert back.key_hash == "f" * 64
    Group = state.apps.get_model("auth", "Group")
    assert list(
        Group.objects.get(name="Token viewers").permissions.values_list(
            "codename", "content_type_id"
        )
    ) == [("view_apitoken", token_ct.pk)]


def test_a_fresh_database_gets_the_model_in_accounts_without_a_content_type_clash(migrator):
    # Given a database that never had content types for tokens
    state = migrator.apply_initial_migration(BEFORE)
    assert (
        not state.apps.get_model("contenttypes", "ContentType")
        .objects.filter(model="apitoken")
        .exists()
    )

    # When the move runs
    state = migrator.apply_tested_migration(AFTER)

    # Then nothing was made or renamed; the model lives in accounts only
    ContentType_ = state.apps.get_model("contenttypes", "ContentType")
    assert not ContentType_.objects.filter(model="apitoken").exists()
    assert state.apps.get_model("accounts", "ApiToken").objects.count() == 0
    with pytest.raises(LookupError):
        state.apps.get_model("core", "ApiToken")
