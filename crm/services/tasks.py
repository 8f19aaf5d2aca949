"""Writes on tasks: create, assign, start, complete, cancel."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Contact, Task
from crm.selectors import task_assignees_for

Status = Task.Status


# One answer for an unknown id, a foreign staff member, a non-staff or an inactive account:
# which of them an id is stays unsaid.
ASSIGNEE_ERROR = "Choose a staff member who works for the task's organization."


def task_check_assignee(*, assignee: AbstractBaseUser | None, organization_id) -> None:
    """Refuse ``assignee`` for a task of ``organization_id`` unless the rule allows them
    (``crm.selectors.task_assignees``: active staff who may work for that organization)."""
    if assignee is None:
        return
    if not task_assignees_for(organization_id=organization_id).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": ASSIGNEE_ERROR})


@transaction.atomic
def task_create(
    *,
    contact: Contact,
    title: str,
    description: str = "",
    due_date: datetime | None = None,
    priority: str = Task.Priority.MEDIUM,
    assignee: AbstractBaseUser | None = None,
) -> Task:
    """Create an open task about ``contact``."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "A task needs a title."})
    if priority not in Task.Priority.values:
        raise ValidationError({"priority": f"{priority!r} is not a task priority."})
    task_check_assignee(assignee=assignee, organization_id=contact.organization_id)
    return Task.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        title=title,
        description=description.strip(),
        due_date=due_date,
        priority=priority,
        assignee=assignee,
    )


# What may change on a task besides its status (which only start/complete/cancel move).
TASK_UPDATABLE_FIELDS = ("contact", "title", "description", "due_date", "priority", "assignee")


@transaction.atomic
def task_update(*, task: Task, data: dict) -> Task:
    """Change ``data``'s fields (``TASK_UPDATABLE_FIELDS``) of ``task``.

    A task stays in its organization; the assignee must be someone who may work for it.
    """
    unknown = set(data) - set(TASK_UPDATABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    task = Task.objects.select_for_update().get(pk=task.pk)
    values = {
        field: value.strip() if isinstance(value, str) else value for field, value in data.items()
    }
    if "title" in values and not values["title"]:
        raise ValidationError({"title": "A task needs a title."})
    if "priority" in values and values["priority"] not in Task.Priority.values:
        raise ValidationError({"priority": f"{values['priority']!r} is not a task priority."})
    if "contact" in values and values["contact"].organization_id != task.organization_id:
        raise ValidationError({"contact": "A task stays in its organization."})
    if "assignee" in values:
        task_check_assignee(assignee=values["assignee"], organization_id=task.organization_id)
    changes = {field: value for field, value in values.items() if getattr(task, field) != value}
    for field, value in changes.items():
        setattr(task, field, value)
    if changes:
        task.save(update_fields=[*changes, "updated_at"])
    return task


def _lock_open(task: Task, *, action: str) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status not in Task.OPEN:
        raise ValidationError(f"A {task.get_status_display().lower()} task cannot be {action}.")
    return task


@transaction.atomic
def task_assign(*, task: Task, assignee: AbstractBaseUser | None) -> Task:
    """Give an open task to ``assignee`` (None takes it back)."""
    task = _lock_open(task, action="assigned")
    task_check_assignee(assignee=assignee, organization_id=task.organization_id)
    task.assignee = assignee
    task.save(update_fields=["assignee", "updated_at"])
    return task


@transaction.atomic
def task_start(*, task: Task) -> Task:
    """Mark a pending task as being worked on."""
    task = _lock_open(task, action="started")
    if task.status == Status.PENDING:
        task.status = Status.IN_PROGRESS
        task.save(update_fields=["status", "updated_at"])
    return task


@transaction.atomic
def task_complete(*, task: Task, completed_at: datetime | None = None) -> Task:
    """Mark an open task as done."""
    task = _lock_open(task, action="completed")
    task.status = Status.COMPLETED
    task.completed_at = completed_at or timezone.now()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


@transaction.atomic
def task_cancel(*, task: Task) -> Task:
    """Drop an open task."""
    task = _lock_open(task, action="cancelled")
    task.status = Status.CANCELLED
    task.save(update_fields=["status", "updated_at"])
    return task
