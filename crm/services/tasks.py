"""Writes on tasks: create, assign, start, complete, cancel."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.models import Contact, Task

Status = Task.Status


def _check_assignee(assignee: AbstractBaseUser | None) -> None:
    if assignee is not None and not (assignee.is_active and assignee.is_staff):
        raise ValidationError({"assignee": "Tasks can only be assigned to active staff."})


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
    _check_assignee(assignee)
    return Task.objects.create(
        organization_id=contact.organization_id,
        contact=contact,
        title=title,
        description=description.strip(),
        due_date=due_date,
        priority=priority,
        assignee=assignee,
    )


def _lock_open(task: Task, *, action: str) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status not in Task.OPEN:
        raise ValidationError(f"A {task.get_status_display().lower()} task cannot be {action}.")
    return task


@transaction.atomic
def task_assign(*, task: Task, assignee: AbstractBaseUser | None) -> Task:
    """Give an open task to ``assignee`` (None takes it back)."""
    _check_assignee(assignee)
    task = _lock_open(task, action="assigned")
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
