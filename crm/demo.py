"""Demo organizations."""

from core.demo import days_ago, demo_uuid
from crm.models import Organization

ORGANIZATIONS = [
    ("Comfhutt Platform", "comfhutt", Organization.Type.PLATFORM),
    ("Brightsmile Dental Group", "brightsmile-dental", Organization.Type.AGENCY),
    ("Northwind Wellness", "northwind-wellness", Organization.Type.ENTERPRISE),
]


def seed_organizations() -> list[Organization]:
    """Create or refresh the demo organizations."""
    organizations = []
    for index, (name, slug, org_type) in enumerate(ORGANIZATIONS):
        organization, _ = Organization.objects.update_or_create(
            id=demo_uuid("organization", slug),
            defaults={"name": name, "slug": slug, "type": org_type},
            create_defaults={
                "name": name,
                "slug": slug,
                "type": org_type,
                "created_at": days_ago(400 - index * 30),
            },
        )
        organizations.append(organization)
    return organizations
