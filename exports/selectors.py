"""Reads of background exports."""

from django.db.models import QuerySet

from exports.models import ExportJob


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """The export jobs ``user`` asked for: nobody sees another person's, superusers included."""
    return ExportJob.objects.filter(user_id=user.pk)
