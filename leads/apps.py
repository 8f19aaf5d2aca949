from django.apps import AppConfig


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        # One person, one page: a contact converted from a lead shows the lead's history.
        from alerts.selectors import register_submission_details
        from crm.timeline import register_contact_timeline_source
        from leads.alert_details import submission_details
        from leads.selectors import lead_timeline_for_contact

        register_contact_timeline_source(lead_timeline_for_contact)
        # The staff digest describes the contact messages and early-access requests it lists.
        register_submission_details(submission_details)
