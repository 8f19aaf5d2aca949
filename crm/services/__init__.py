"""CRM writes. Every function is a transaction; the organization always comes from the contact."""

from crm.services.appointments import (
    APPOINTMENT_UPDATABLE_FIELDS,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_schedule,
    appointment_update,
)
from crm.services.contacts import (
    CONTACT_UPDATABLE_FIELDS,
    contact_create,
    contact_move,
    contact_update,
)
from crm.services.integrations import (
    INTEGRATION_UPDATABLE_FIELDS,
    contact_integration_create,
    contact_integration_update,
)
from crm.services.messages import (
    MESSAGE_UPDATABLE_FIELDS,
    message_log,
    message_resend_email,
    message_send_email,
    message_update,
    message_update_status,
)
from crm.services.notes import contact_note_create, contact_note_update
from crm.services.organizations import (
    ORGANIZATION_UPDATABLE_FIELDS,
    organization_create,
    organization_update,
)
from crm.services.tags import (
    contact_add_tags,
    contact_remove_tags,
    contact_set_tags,
    tag_get_or_create,
)
from crm.services.tasks import (
    TASK_UPDATABLE_FIELDS,
    task_assign,
    task_cancel,
    task_complete,
    task_create,
    task_start,
    task_update,
)

__all__ = [
    "APPOINTMENT_UPDATABLE_FIELDS",
    "CONTACT_UPDATABLE_FIELDS",
    "INTEGRATION_UPDATABLE_FIELDS",
    "ORGANIZATION_UPDATABLE_FIELDS",
    "appointment_cancel",
    "appointment_complete",
    "appointment_confirm",
    "appointment_mark_no_show",
    "appointment_schedule",
    "appointment_update",
    "contact_add_tags",
    "contact_create",
    "contact_integration_create",
    "contact_integration_update",
    "contact_move",
    "contact_note_create",
    "contact_note_update",
    "contact_remove_tags",
    "contact_update",
    "message_log",
    "message_update",
    "MESSAGE_UPDATABLE_FIELDS",
    "message_resend_email",
    "message_send_email",
    "message_update_status",
    "organization_create",
    "organization_update",
    "contact_set_tags",
    "tag_get_or_create",
    "task_assign",
    "task_cancel",
    "task_complete",
    "task_create",
    "task_update",
    "TASK_UPDATABLE_FIELDS",
    "task_start",
]
