import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import INSTRUCTORS, MANAGERS, SALES, SUPPORT
from crm.demo import MEMBERS
from crm.models import Organization, OrganizationMembership

LOGIN_FILE = Path(settings.BASE_DIR) / ".demo-login"

# username -> group (None: the superuser). The organization members of the demo data
# (crm/demo.py MEMBERS) work in Sales, confined to their organization.
DEMO_STAFF = {
    "sales": SALES,
    "support": SUPPORT,
    "instructor": INSTRUCTORS,
    "manager": MANAGERS,
    **dict.fromkeys(MEMBERS, SALES),
}


class Command(BaseCommand):
    help = (
        "Create the local staff logins (a superuser and one user per staff group) and print "
        "them. Passwords are random, kept in .demo-login (git-ignored) so that later runs "
        "print the same ones again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="the superuser's username")
        parser.add_argument(
            "--address",
            default="127.0.0.1:8000",
            help="host:port the site runs on, for the printed sign-in address (make run passes it)",
        )

    def handle(self, *args, username: str, address: str, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_demo_login is for local development only (DEBUG is off).")
        stored = read_logins()
        wanted = set(DEMO_STAFF.values())
        if Group.objects.filter(name__in=wanted).count() != len(wanted):
            call_command("sync_staff_groups", stdout=self.stdout)
        logins = {username: ensure_user(username, stored.get(username), group=None)}
        for name, group in DEMO_STAFF.items():
            organization = _member_organization(name)
            if name in MEMBERS and organization is None:
                continue  # the demo organization is not loaded: no confined member to show
            logins[name] = ensure_user(name, stored.get(name), group=group)
            if organization is not None:
                OrganizationMembership.objects.get_or_create(
                    user=logins[name][0], organization=organization
                )
        LOGIN_FILE.write_text(
            "".join(f"{name}:{password}\n" for name, (_, password) in logins.items())
        )
        LOGIN_FILE.chmod(0o600)

        self.stdout.write(self.style.SUCCESS(f"Staff logins for http://{address}/admin/"))
        for name, (user, password) in logins.items():
            role = "superuser" if user.is_superuser else ", ".join(_roles(user))
            self.stdout.write(f"  user: {name:<20} password: {password}  ({role})")


def read_logins() -> dict[str, str]:
    if not LOGIN_FILE.exists():
        return {}
    lines = (line.split(":", 1) for line in LOGIN_FILE.read_text().splitlines() if ":" in line)
    return dict(lines)


def ensure_user(username: str, password: str | None, *, group: str | None):
    """Return (user, password): the stored password if it still works, else a new one."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None or not password or not user.check_password(password):
        password = secrets.token_urlsafe(12)
        if user is None:
            user = user_model(username=username, email=f"{username}@localhost")
        user.set_password(password)
    user.is_staff = user.is_active = True
    user.is_superuser = group is None
    user.save()
    if group is not None:
        user.groups.add(Group.objects.get(name=group))
    return user, password


def _member_organization(username: str) -> Organization | None:
    slug = MEMBERS.get(username)
    return Organization.objects.filter(slug=slug).first() if slug else None


def _roles(user) -> list[str]:
    roles = list(user.groups.values_list("name", flat=True))
    roles += [
        f"member of {name}"
        for name in user.organization_memberships.values_list("organization__name", flat=True)
    ]
    return roles
