"""Admin for privacy: the "Merge" action on contacts, the side-by-side merge page, possible
duplicates, and the merge records (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from crm.models import Contact
from privacy.erase import person_erase
from privacy.export import export_sections, find_contacts, find_leads, person_export
from privacy.models import MergeRecord
from privacy.selectors import possible_duplicates
from privacy.services import MERGE_FIELDS, contacts_merge

MERGE_PERMISSION = "privacy.merge_contacts"


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ["merged_at", "survivor_id", "merged_by", "organization_id"]
    readonly_fields = [f.name for f in MergeRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description="Merge the selected contacts", permissions=["merge_contacts"])
def merge_contacts_action(modeladmin, request, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(f"{reverse('privacy-merge')}?ids={ids}")


def _install_contact_action() -> None:
    contact_admin = admin.site._registry.get(Contact)
    if contact_admin is None:
        return
    contact_admin.has_merge_contacts_permission = lambda request: request.user.has_perm(
        MERGE_PERMISSION
    )
    contact_admin.actions = [*(contact_admin.actions or []), merge_contacts_action]


_install_contact_action()


def _visible_contacts(request):
    return Contact.objects.for_user(request.user).select_related("organization")


def merge_view(request):
    """Side by side: pick the survivor and, per field, whose value wins; preview, then merge."""
    if not (
        request.user.has_perm(MERGE_PERMISSION) and request.user.has_perm("crm.change_contact")
    ):
        raise PermissionDenied
    raw = request.POST.get("ids") or request.GET.get("ids", "")
    ids = [i for i in raw.split(",") if i]
    try:
        contacts = list(_visible_contacts(request).filter(pk__in=ids).order_by("created_at", "pk"))
    except ValidationError:
        contacts = []
    if len(contacts) < 2:
        messages.error(request, "Select at least two contacts you may see to merge.")
        return HttpResponseRedirect(reverse("admin:crm_contact_changelist"))
    by_id = {str(c.pk): c for c in contacts}
    survivor_id = request.POST.get("survivor") or str(contacts[0].pk)
    survivor = by_id.get(survivor_id, contacts[0])
    custom_keys = sorted({k for c in contacts for k in (c.custom_fields or {})})
    choices = {}
    for field in [*MERGE_FIELDS, *(f"custom_fields.{k}" for k in custom_keys)]:
        value = request.POST.get(f"field_{field}")
        if value in by_id:
            choices[field] = value
    duplicates = [c for c in contacts if c.pk != survivor.pk]
    error = None
    preview = None
    try:
        if request.method == "POST" and request.POST.get("confirm") == "1":
            result = contacts_merge(survivor, duplicates, choices, request.user)
            messages.success(
                request,
                f"Merged {len(duplicates)} contact(s) into {survivor}; "
                f"{sum(result['moved'].values())} record(s) moved.",
            )
            return HttpResponseRedirect(reverse("admin:crm_contact_change", args=[survivor.pk]))
        preview = contacts_merge(survivor, duplicates, choices, request.user, dry_run=True)
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    rows = []
    for field in MERGE_FIELDS:
        rows.append(
            {
                "field": field,
                "values": [(str(c.pk), getattr(c, field)) for c in contacts],
                "chosen": choices.get(field, str(survivor.pk)),
            }
        )
    for key in custom_keys:
        rows.append(
            {
                "field": f"custom_fields.{key}",
                "values": [(str(c.pk), (c.custom_fields or {}).get(key, "")) for c in contacts],
                "chosen": choices.get(f"custom_fields.{key}", str(survivor.pk)),
            }
        )
    context = {
        **admin.site.each_context(request),
        "title": "Merge contacts",
        "contacts": contacts,
        "survivor": survivor,
        "rows": rows,
        "ids": ",".join(by_id),
        "preview": preview,
        "error": error,
    }
    return render(request, "admin/privacy/merge.html", context)


def duplicates_view(request):
    if not request.user.has_perm("crm.view_contact"):
        raise PermissionDenied
    groups = possible_duplicates(_visible_contacts(request))
    for group in groups:
        group["ids"] = ",".join(str(c.pk) for c in group["contacts"])
    context = {
        **admin.site.each_context(request),
        "title": "Possible duplicate contacts",
        "groups": groups,
        "can_merge": request.user.has_perm(MERGE_PERMISSION),
    }
    return render(request, "admin/privacy/duplicates.html", context)


def export_view(request):
    """Export everything held about a person (by email or phone), limited to the organizations
    the staff member may see: counts and the JSON on the page, ``format=json`` the JSON file,
    ``view=readable`` the same records in words, ``format=html`` those as one plain HTML file
    to hand to the person."""
    import json

    from django.http import HttpResponse
    from django.template.loader import render_to_string

    if not (
        request.user.has_perm("crm.view_contact") and request.user.has_perm("leads.view_userslead")
    ):
        raise PermissionDenied
    email = request.GET.get("email", "").strip()
    phone = request.GET.get("phone", "").strip()
    if email or phone:
        document = person_export(email=email or None, phone=phone or None, user=request.user)
        if request.GET.get("format") == "json":
            response = HttpResponse(
                json.dumps(document, indent=2, ensure_ascii=False),
                content_type="application/json",
            )
            response["Content-Disposition"] = 'attachment; filename="person-export.json"'
            return response
        if request.GET.get("format") == "html":
            response = HttpResponse(
                render_to_string(
                    "admin/privacy/export_file.html",
                    {"document": document, "sections": export_sections(document)},
                ),
                content_type="text/html; charset=utf-8",
            )
            response["Content-Disposition"] = 'attachment; filename="person-export.html"'
            return response
    else:
        document = None
    readable = bool(document) and request.GET.get("view") == "readable"
    context = {
        **admin.site.each_context(request),
        "title": "Export a person",
        "email": email,
        "phone": phone,
        "document": document,
        "readable": readable,
        "sections": export_sections(document) if readable else [],
        "pretty": json.dumps(document, indent=2, ensure_ascii=False)
        if document and not readable
        else "",
    }
    return render(request, "admin/privacy/export.html", context)


def erase_view(request):
    """Erase a person by email or phone: confirm, then erase; shows the counts found."""

    if not request.user.has_perm("privacy.erase_person"):
        raise PermissionDenied
    email = (request.POST.get("email") or request.GET.get("email") or "").strip()
    phone = (request.POST.get("phone") or request.GET.get("phone") or "").strip()
    found = None
    if email or phone:
        if request.method == "POST" and request.POST.get("confirm") == "1":
            erasure = person_erase(email=email or None, phone=phone or None, user=request.user)
            total = sum(erasure.counts.values())
            messages.success(request, f"Erased: {total} row(s) removed or scrubbed.")
            return HttpResponseRedirect(reverse("privacy-erase"))
        found = {
            "leads": find_leads(email or None, phone or None).count(),
            "contacts": find_contacts(email or None, phone or None).count(),
        }
    context = {
        **admin.site.each_context(request),
        "title": "Erase a person",
        "email": email,
        "phone": phone,
        "found": found,
    }
    return render(request, "admin/privacy/erase.html", context)
