"""Reads of background exports."""

from django.db.models import QuerySet

from exports.models import ExportJob, ImportJob


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """The export jobs ``user`` asked for: nobody sees another person's, superusers included."""
    return ExportJob.objects.filter(user_id=user.pk)


def import_jobs_of(user) -> QuerySet[ImportJob]:
    """The import jobs ``user`` started; a superuser sees everyone's."""
    jobs = ImportJob.objects.select_related("user")
    return jobs if user.is_superuser else jobs.filter(user_id=user.pk)
