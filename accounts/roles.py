"""The staff groups and exactly the permissions each one holds.

One table, read by the migration that creates the groups (core 0001), by the
``sync_staff_groups`` command that re-syncs an existing deploy, and by the tests. Django checks
these model permissions on every admin page, button and action; organization scoping
(crm/scoping.py) then narrows what a member of an organization sees within them.

Permissions are "app_label.codename". Changing this table changes what ``sync_staff_groups``
grants; the migration already applied on a database does not run again.
"""

from __future__ import annotations

VIEW = ("view",)
VIEW_ADD_CHANGE = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# Lead capture: the lead, and what the public forms and the site recorded for it.
LEAD = "leads.userslead"
LEAD_SUBMISSIONS = (
    "leads.leadevent",
    "leads.choicesresponse",
    "leads.earlyaccessrequest",
    "leads.contactmessage",
    "leads.pagesession",
)
# A contact's CRM records (tags on the contact through contacttag).
CRM_RECORDS = (
    "crm.contactnote",
    "crm.appointment",
    "crm.message",
    "crm.task",
    "crm.tag",
    "crm.contacttag",
    "crm.contactintegration",
)
COURSES = ("lms.course", "lms.chapter", "lms.lesson", "lms.enrollment", "lms.lessonprogress")
ORGANIZATIONS = ("crm.organization", "crm.organizationmembership")
# Privacy: merge duplicate contacts, erase a person, and read the logs of both (merge records,
# erasure requests). The logs are written only by the services: nobody adds, edits or deletes
# them by hand.
PRIVACY_LOGS = ("privacy.mergerecord", "privacy.erasurerequest")
PRIVACY_ACTIONS = frozenset({"privacy.merge_contacts", "privacy.erase_person"})


def _grant(models: tuple[str, ...] | str, actions: tuple[str, ...]) -> set[str]:
    """Return "app.action_model" for each model and action."""
    if isinstance(models, str):
        models = (models,)
    result = set()
    for model in models:
        app_label, model_name = model.split(".")
        result |= {f"{app_label}.{action}_{model_name}" for action in actions}
    return result


SALES = "Sales"
SUPPORT = "Support"
INSTRUCTORS = "Instructors"
MANAGERS = "Managers"

GROUP_PERMISSIONS: dict[str, frozenset[str]] = {
    # Work leads and contacts: read, create and edit (never delete), convert a lead. The lead's
    # submissions are read-only pages; organizations can be picked, not edited.
    SALES: frozenset(
        _grant(LEAD, VIEW_ADD_CHANGE)
        | _grant(LEAD_SUBMISSIONS, VIEW)
        | _grant("crm.contact", VIEW_ADD_CHANGE)
        | _grant(CRM_RECORDS, VIEW_ADD_CHANGE)
        | _grant("crm.organization", VIEW)
        | {"leads.convert_userslead"}
    ),
    # Answer the contact form: read leads and what they sent, mark messages responded, look
    # contacts up.
    SUPPORT: frozenset(
        _grant(LEAD, VIEW)
        | _grant(LEAD_SUBMISSIONS, VIEW)
        | {"leads.mark_responded_contactmessage"}
        | _grant("crm.contact", VIEW)
    ),
    # Run courses and enroll contacts (who are picked, not edited).
    INSTRUCTORS: frozenset(_grant(COURSES, ALL) | _grant("crm.contact", VIEW)),
    # Everything in the three apps, deleting and importing/exporting included, and the privacy
    # actions (merge, erase) with read access to their logs.
    MANAGERS: frozenset(
        _grant((LEAD, *LEAD_SUBMISSIONS), ALL)
        | _grant(("crm.contact", *CRM_RECORDS, *ORGANIZATIONS), ALL)
        | _grant(COURSES, ALL)
        | {
            "leads.convert_userslead",
            "leads.export_userslead",
            "leads.mark_responded_contactmessage",
            "crm.import_contact",
            "crm.export_contact",
        }
        | PRIVACY_ACTIONS
        | _grant(PRIVACY_LOGS, VIEW)
    ),
}

# The apps whose permissions the groups hold. ``sync_staff_groups`` sets the groups to exactly
# the table over all of them. core 0002 (which runs before privacy's tables exist) syncs only
# the first three; privacy's own migrations grant the privacy rows to Managers.
ROLE_APPS = ("leads", "crm", "lms", "privacy")


def permissions_in(app_labels: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Return the table limited to the permissions of ``app_labels``."""
    return {
        name: frozenset(p for p in permissions if p.split(".")[0] in app_labels)
        for name, permissions in GROUP_PERMISSIONS.items()
    }


def sync_groups(
    apps, *, using: str = "default", app_labels: tuple[str, ...] = ROLE_APPS
) -> dict[str, int]:
    """Create the groups and set each one's permissions to exactly the table's.

    ``apps`` is the app registry (historical in a migration, the real one in a command).
    ``app_labels`` limits the table to those apps' permissions (a migration that runs before
    an app's tables exist passes fewer); permissions of any other app are taken away.
    Permissions must exist already (``create_permissions``); a missing one is an error, so a
    typo in the table cannot silently grant less. Return the permission count per group.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    table = permissions_in(app_labels)
    wanted = set().union(*table.values())
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"permissions missing from the database: {', '.join(missing)}")
    counts = {}
    for name, permissions in table.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([found[permission] for permission in permissions])
        counts[name] = len(permissions)
    return counts
