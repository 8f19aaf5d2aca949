"""Create a Bearer token for a staff member's use of the REST API; print it once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it once (only its hash is stored). "
        "Use it as 'Authorization: Bearer <token>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (default API_TOKEN_TTL_DAYS)."
        )

    def handle(self, *args, username, name, days, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user called {username!r}.") from exc
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff; the API is for staff only.")
        try:
            row, token = api_token_create(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Token {row.prefix}… for {username}, expires {row.expires_at:%Y-%m-%d %H:%M %Z}. "
            "It is shown only now:"
        )
        self.stdout.write(token)
