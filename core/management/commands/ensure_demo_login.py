import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

LOGIN_FILE = Path(settings.BASE_DIR) / ".demo-login"


class Command(BaseCommand):
    help = (
        "Create a staff superuser for local use and print its login. The password is random, "
        "kept in .demo-login (git-ignored) so that later runs can print it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_demo_login is for local development only (DEBUG is off).")
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        stored = LOGIN_FILE.read_text().strip() if LOGIN_FILE.exists() else ""
        if user is not None and stored.startswith(f"{username}:"):
            password = stored.split(":", 1)[1]
            if not user.check_password(password):
                password = None
        else:
            password = None
        if password is None:
            password = secrets.token_urlsafe(12)
            if user is None:
                user = user_model.objects.create_superuser(
                    username=username, email=f"{username}@localhost", password=password
                )
            else:
                user.set_password(password)
                user.is_staff = user.is_superuser = user.is_active = True
                user.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
            LOGIN_FILE.write_text(f"{username}:{password}\n")
            LOGIN_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff login for http://127.0.0.1:8000/admin/  user: {username}  password: {password}"
            )
        )
