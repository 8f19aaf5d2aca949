"""The dashboard on the admin index: figures, their links, scoping and a fixed query count."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Task
from lms.models import Enrollment
from tests.crm.factories import (
    AppointmentFactory,
    ContactFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    StaffUserFactory,
    TaskFactory,
)
from tests.leads.factories import (
    ContactMessageFactory,
    EarlyAccessRequestFactory,
    UsersLeadFactory,
)
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)
from workspace.dashboard import dashboard_figures

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:index")


@pytest.fixture(autouse=True)
def _fresh_table_statistics(db):
    """Start from this database's own row counts.

    The dashboard reads the planner's row counts (pg_class.reltuples), which ANALYZE and
    autovacuum write in place, outside any test's rollback: an earlier test's 50,000 leads would
    still count as a large table here.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE users_leads, early_access_requests, contact_messages, crm_contact, "
                "crm_appointment, crm_task"
            )


def _figures(dashboard) -> dict[str, object]:
    return {
        f"{section.title}: {figure.label}": figure
        for section in dashboard.sections
        for figure in section.figures
    }


def _known_dataset(superuser):
    """Leads over 40 days from three sources, some converted; CRM records in two agencies."""
    now = timezone.now()
    agency_a, agency_b = OrganizationFactory(name="Agency A"), OrganizationFactory(name="Agency B")
    clinic = ContactFactory(organization=agency_a, contact_type=Contact.Type.CLINIC)
    ContactFactory(organization=agency_a, contact_type=Contact.Type.PATIENT, parent_contact=clinic)
    ContactFactory(organization=agency_b, contact_type=Contact.Type.INDIVIDUAL)
    leads = {}
    for days, source in [
        (0, "CHOICES"),
        (0, "CONTACT"),
        (3, "CHOICES"),
        (10, "EARLY_ACCESS"),
        (20, "CONTACT"),
        (40, "CHOICES"),
    ]:
        seen = now - timedelta(days=days, minutes=5)
        leads[days, source] = UsersLeadFactory(source=source, first_seen_at=seen, last_seen_at=seen)
    early, contact = leads[10, "EARLY_ACCESS"], leads[20, "CONTACT"]
    converted = UsersLeadFactory(source="OTHER", first_seen_at=now - timedelta(days=50))
    converted.converted_contact, converted.converted_at = clinic, now
    converted.save(update_fields=["converted_contact", "converted_at"])
    EarlyAccessRequestFactory(lead=early, intent_level="HIGH", investment_range="ABOVE_TWO_L")
    EarlyAccessRequestFactory(lead=early, intent_level="HIGH", investment_range="BELOW_10K")
    EarlyAccessRequestFactory(lead=early, intent_level="LOW", investment_range="BELOW_10K")
    ContactMessageFactory(lead=contact, responded=False)
    ContactMessageFactory(lead=contact, responded=True)
    AppointmentFactory(contact=clinic, start_time=now + timedelta(days=2))
    AppointmentFactory(contact=clinic, start_time=now + timedelta(days=9))
    TaskFactory(contact=clinic, due_date=now - timedelta(days=1), assignee=superuser)
    TaskFactory(contact=clinic, due_date=now + timedelta(days=1))
    TaskFactory(
        contact=clinic, status=Task.Status.COMPLETED, completed_at=now, due_date=now - timedelta(1)
    )
    # Courses: agency A's clinic has done one of three lessons; agency B's contact one of one
    # in a platform course, and a second one of B stopped a month ago.
    course = CourseFactory(organization=agency_a, title="Implant basics")
    lessons = LessonFactory.create_batch(3, chapter=ChapterFactory(course=course))
    EnrollmentFactory(contact=clinic, course=course)
    LessonProgressFactory(contact=clinic, lesson=lessons[0], completed=True)
    platform = CourseFactory(organization=None, title="Platform basics")
    lesson = LessonFactory(chapter=ChapterFactory(course=platform))
    learner = Contact.objects.get(organization=agency_b)
    EnrollmentFactory(contact=learner, course=platform)
    LessonProgressFactory(contact=learner, lesson=lesson, completed=True)
    quiet = EnrollmentFactory(
        contact=ContactFactory(organization=agency_b, contact_type=Contact.Type.EMPLOYEE),
        course=platform,
    )
    Enrollment.objects.filter(pk=quiet.pk).update(created_at=now - timedelta(days=30))
    return agency_a, agency_b


def test_figures_on_a_known_dataset(admin_user):
    _known_dataset(admin_user)

    figures = {
        key: figure.value for key, figure in _figures(dashboard_figures(user=admin_user)).items()
    }

    assert figures["Leads: Total leads"] == 7
    assert figures["Leads: New today"] == 2
    assert figures["Leads: New in the last 7 days"] == 3
    assert figures["Leads: New in the last 30 days"] == 5
    assert figures["Leads: Converted to contacts"] == 1
    assert figures["Leads: Conversion rate"] == "14.3%"
    assert figures["Leads by first form: Choices questionnaire"] == 3
    assert figures["Leads by first form: Other"] == 1
    assert figures["Leads by first form: Contact us"] == 2
    assert figures["Early-access requests by intent: Ready to invest now"] == 2
    assert figures["Early-access requests by intent: Just exploring"] == 1
    assert figures["Early-access requests by investment range: Below ₹10k"] == 2
    assert figures["Inbox: Contact messages awaiting a reply"] == 1
    assert figures["CRM: Contacts: clinic"] == 1
    assert figures["CRM: Contacts: individual"] == 1
    assert figures["CRM: Appointments in the next 7 days"] == 1
    assert figures["CRM: Open tasks"] == 2
    assert figures["CRM: Overdue tasks"] == 1
    assert figures["CRM: Open tasks assigned to me"] == 1


def test_every_figure_links_to_exactly_its_rows(admin_client, admin_user):
    _known_dataset(admin_user)

    for key, figure in _figures(dashboard_figures(user=admin_user)).items():
        response = admin_client.get(figure.url)
        assert response.status_code == 200, key
        count = figure.value if isinstance(figure.value, int) else None
        if count is None:  # the rate links to the converted leads
            continue
        assert response.context["cl"].result_count == count, key


def test_each_chart_bar_links_to_that_days_leads(admin_client, admin_user):
    _known_dataset(admin_user)

    dashboard = dashboard_figures(user=admin_user)

    assert len(dashboard.chart) == 30
    assert sum(bar.count for bar in dashboard.chart) == 5  # all but the 40- and 50-day-old
    busiest = max(dashboard.chart, key=lambda bar: bar.count)
    assert busiest.height == 120
    response = admin_client.get(busiest.url)
    assert response.context["cl"].result_count == busiest.count


def test_the_chart_has_an_axis_values_and_its_last_label_inside(admin_client, admin_user):
    _known_dataset(admin_user)
    dashboard = dashboard_figures(user=admin_user)

    html = admin_client.get(DASHBOARD).content.decode()

    chart = html[html.index('class="dashboard-chart"') :]
    svg = chart[: chart.index("</svg>")]
    # The y axis says what the tallest bar is and where zero is; each day with leads shows its
    # count above its bar.
    assert f'text-anchor="end">{dashboard.chart_max}</text>' in svg
    assert 'text-anchor="end">0</text>' in svg
    values = [bar.count for bar in dashboard.chart if bar.count]
    assert svg.count('class="value"') == len(values)
    # The last day's label ends at the chart's right edge instead of running past it.
    last = dashboard.chart[-1]
    assert f'text-anchor="end">{last.day:%-d %b}</text>' in svg
    # Leads are counted once by their first form; early-access requests each, and it says so.
    assert "Each lead once, by the form it first came through." in html
    assert "one lead may send several" in html


def test_the_index_page_shows_the_dashboard_and_the_app_list(admin_client, admin_user):
    _known_dataset(admin_user)

    response = admin_client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "New leads per day, last 30 days" in html
    assert "<svg" in html and "Contact messages awaiting a reply" in html
    assert 'class="app-crm' in html  # the app list stays below the figures
    assert "<script" not in html.split('id="content-main"')[1].split("</svg>")[0]


def test_a_members_crm_figures_count_only_its_organization(admin_user):
    agency_a, agency_b = _known_dataset(admin_user)
    member = OrganizationMembershipFactory(organization=agency_b).user
    member.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))

    figures = {k: f.value for k, f in _figures(dashboard_figures(user=member)).items()}

    assert figures["CRM: Contacts: clinic"] == 0
    assert figures["CRM: Contacts: individual"] == 1
    assert figures["CRM: Open tasks"] == 0
    # The leads not converted yet; the one converted into agency A's clinic is A's.
    assert figures["Leads: Total leads"] == 6
    assert figures["Leads: Converted to contacts"] == 0
    assert figures["Leads: Conversion rate"] == "0.0%"
    assert figures["Leads by first form: Other"] == 0


def test_lead_figures_count_only_conversions_into_the_members_organizations(client, admin_user):
    agency_a, agency_b = _known_dataset(admin_user)
    foreign = UsersLeadFactory(source="OTHER")
    foreign.converted_contact = ContactFactory(organization=agency_b)
    foreign.converted_at = timezone.now()
    foreign.save(update_fields=["converted_contact", "converted_at"])
    ContactMessageFactory(lead=foreign, responded=False)
    EarlyAccessRequestFactory(lead=foreign, intent_level="HIGH", investment_range="BELOW_10K")
    member = OrganizationMembershipFactory(organization=agency_a).user
    member.user_permissions.set(
        Permission.objects.filter(content_type__app_label="leads", codename__startswith="view_")
    )

    dashboard = _figures(dashboard_figures(user=member))
    everything = _figures(dashboard_figures(user=admin_user))

    figures = {key: figure.value for key, figure in dashboard.items()}
    assert figures["Leads: Total leads"] == 7
    assert figures["Leads: Converted to contacts"] == 1
    assert figures["Leads: Conversion rate"] == "14.3%"
    assert figures["Leads by first form: Other"] == 1
    assert figures["Inbox: Contact messages awaiting a reply"] == 1
    assert figures["Early-access requests by intent: Ready to invest now"] == 2
    # The superuser counts the foreign conversion and its submissions too.
    assert everything["Leads: Converted to contacts"].value == 2
    assert everything["Inbox: Contact messages awaiting a reply"].value == 2
    assert everything["Early-access requests by intent: Ready to invest now"].value == 3
    # And each of the member's figures links to a list of exactly those rows.
    client.force_login(member)
    for key, figure in dashboard.items():
        if isinstance(figure.value, int):
            response = client.get(figure.url)
            assert response.status_code == 200, key
            assert response.context["cl"].result_count == figure.value, key


def test_sections_the_user_may_not_view_are_left_out():
    instructor = StaffUserFactory(username="instructor")
    instructor.user_permissions.set(
        Permission.objects.filter(content_type__app_label="lms", codename__startswith="view_")
    )

    dashboard = dashboard_figures(user=instructor)

    assert dashboard.sections == []
    assert dashboard.chart == []


@pytest.mark.parametrize("size", [1, 30])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    admin_client, admin_user, size, django_assert_max_num_queries
):
    for _ in range(size):
        _known_dataset(admin_user)

    admin_client.get(DASHBOARD)  # the first page of a session also stamps its activity

    # Session + user, then: the table sizes (PostgreSQL), one aggregate per group (leads with
    # their chart, early access, inbox, contacts, appointments, tasks), the courses section's
    # one grouped query; the recent-actions box.
    with django_assert_max_num_queries(11):
        response = admin_client.get(DASHBOARD)

    assert response.status_code == 200


def _analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.parametrize("size", [40, 120])
def test_large_tables_are_read_from_the_planner_not_counted(
    postgres_only, admin_user, monkeypatch, size, django_assert_max_num_queries
):
    # Thresholds scaled down: "large" here is 20 rows instead of 10,000.
    monkeypatch.setattr("workspace.dashboard.EXACT_COUNT_BELOW", 20)
    monkeypatch.setattr("workspace.dashboard.COUNT_EXACTLY_BELOW", 20)
    now = timezone.now()
    for n in range(size):
        seen = now - timedelta(days=n % 45, minutes=5)
        UsersLeadFactory(source="CHOICES", first_seen_at=seen, last_seen_at=seen)
    _analyze()

    # The table sizes with the chart column's statistics, every estimate in one query, then at
    # most one exact aggregate per group (the figures estimated small, the small tables), and
    # the courses section's one grouped query.
    with django_assert_max_num_queries(9):
        dashboard = dashboard_figures(user=admin_user)

    figures = _figures(dashboard)
    total = figures["Leads: Total leads"]
    assert total.approximate and total.value == size  # freshly analyzed: the estimate is exact
    assert figures["Leads by first form: Choices questionnaire"].approximate
    assert not figures["Leads by first form: Early access"].approximate  # estimated small: counted
    assert figures["Leads by first form: Early access"].value == 0
    assert not figures["CRM: Open tasks"].approximate  # an empty table is counted exactly
    # The chart is read off the histogram: about the 30 of 45 days' share of the leads.
    in_chart = sum(1 for n in range(size) if n % 45 < 30)
    assert len(dashboard.chart) == 30
    assert abs(sum(bar.count for bar in dashboard.chart) - in_chart) <= 0.25 * in_chart


def test_the_page_marks_estimated_figures(postgres_only, admin_client, monkeypatch):
    monkeypatch.setattr("workspace.dashboard.EXACT_COUNT_BELOW", 20)
    monkeypatch.setattr("workspace.dashboard.COUNT_EXACTLY_BELOW", 20)
    UsersLeadFactory.create_batch(30)
    _analyze()

    html = admin_client.get(DASHBOARD).content.decode()

    assert "≈" in html and "estimated from the table" in html


def _queries_of_the_dashboard(user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        dashboard_figures(user=user)
    return len(captured)


def _more_leads(count: int) -> None:
    now = timezone.now()
    for n in range(count):
        seen = now - timedelta(days=n % 45, minutes=5)
        UsersLeadFactory(
            source="CHOICES" if n % 4 else "CONTACT", first_seen_at=seen, last_seen_at=seen
        )


@pytest.mark.parametrize("large", [False, True], ids=["small-tables", "large-tables"])
def test_the_same_query_count_at_ten_times_the_data(admin_user, monkeypatch, large):
    if large:
        if not _is_postgres():
            pytest.skip("needs PostgreSQL (set DATABASE_URL): estimates come from its planner")
        # Thresholds scaled down: "large" here is 20 rows instead of 10,000.
        monkeypatch.setattr("workspace.dashboard.EXACT_COUNT_BELOW", 20)
        monkeypatch.setattr("workspace.dashboard.COUNT_EXACTLY_BELOW", 20)
    _known_dataset(admin_user)
    _more_leads(40)
    if large:
        _analyze()
    before = _queries_of_the_dashboard(admin_user)

    _more_leads(360)
    if large:
        _analyze()
    after = _queries_of_the_dashboard(admin_user)

    assert before == after
    # The table sizes (PostgreSQL), the estimates (large tables), one aggregate per group and
    # the courses section's grouped query.
    assert after <= (1 + 1 + 6 + 1 if large else 1 + 6 + 1)


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def test_my_day_comes_first_with_my_new_leads_tasks_and_todays_appointments(client):
    from django.contrib.auth.models import Group as StaffGroup

    from crm.models import Task
    from tests.crm.factories import ContactFactory, OrganizationMembershipFactory

    member = OrganizationMembershipFactory().user
    member.groups.add(StaffGroup.objects.get(name="Sales"))
    organization = member.organization_memberships.get().organization
    contact = ContactFactory(organization=organization)
    now = timezone.now()
    UsersLeadFactory(owner=member)
    UsersLeadFactory(owner=member, status="CONTACTED")
    UsersLeadFactory()
    Task.objects.create(
        organization=organization,
        contact=contact,
        title="Call back",
        assignee=member,
        due_date=now - timedelta(hours=1),
    )
    client.force_login(member)

    sections = client.get("/admin/").context["dashboard"].sections

    assert sections[0].title == "My day"
    mine = {figure.label: figure.value for figure in sections[0].figures}
    assert mine["My new leads"] == 1
    assert mine["My overdue tasks"] == 1
    assert mine["My tasks due today"] == 0
    crm = next(section for section in sections if section.title == "CRM")
    assert "My overdue tasks" not in {figure.label for figure in crm.figures}
    link = next(f.url for f in sections[0].figures if f.label == "My new leads")
    listed = client.get(link).context["cl"].result_list
    assert len(listed) == 1


def test_new_today_opens_the_list_with_its_date_filter_selected(admin_client):
    UsersLeadFactory()
    sections = admin_client.get("/admin/").context["dashboard"].sections
    leads = next(section for section in sections if section.title == "Leads")
    new_today = next(figure for figure in leads.figures if figure.label == "New today")
    changelist = admin_client.get(new_today.url).context["cl"]
    first_seen = next(spec for spec in changelist.filter_specs if spec.title == "first seen")
    assert first_seen.value() == "today"  # the sidebar shows "Today", not "All"
    assert len(changelist.result_list) == 1


# The instructor's courses section ----------------------------------------------------------------


def _instructor(organization=None):
    from django.contrib.auth.models import Group as StaffGroup

    user = (
        OrganizationMembershipFactory(organization=organization).user
        if organization
        else StaffUserFactory()
    )
    user.groups.add(StaffGroup.objects.get(name="Instructors"))
    return type(user).objects.get(pk=user.pk)


def test_the_courses_section_counts_learners_completion_and_who_stopped(admin_user):
    agency_a, agency_b = _known_dataset(admin_user)

    courses = dashboard_figures(user=_instructor()).courses

    figures = {figure.label: figure.value for figure in courses.figures}
    assert figures == {"Active enrollments": 3, "Enrollments with no progress in 14 days": 1}
    rows = {row.title: row for row in courses.rows}
    platform, implants = rows["Platform basics"], rows["Implant basics"]
    assert (platform.enrolled, platform.lessons_done, platform.lessons_possible) == (2, 1, 2)
    assert (platform.percent, platform.stalled) == (50, 1)
    assert (implants.enrolled, implants.lessons_done, implants.lessons_possible) == (1, 1, 3)
    assert (implants.percent, implants.stalled) == (33, 0)
    assert [row.title for row in courses.rows] == ["Platform basics", "Implant basics"]


def test_each_courses_figure_and_row_links_to_exactly_its_enrollments(client, admin_user):
    _known_dataset(admin_user)
    instructor = _instructor()
    client.force_login(instructor)

    courses = dashboard_figures(user=instructor).courses

    for figure in courses.figures:
        assert client.get(figure.url).context["cl"].result_count == figure.value, figure.label
    for row in courses.rows:
        assert client.get(row.url).context["cl"].result_count == row.enrolled, row.title
        assert client.get(row.stalled_url).context["cl"].result_count == row.stalled, row.title


def test_a_members_courses_section_counts_only_its_organizations_learners(admin_user):
    agency_a, agency_b = _known_dataset(admin_user)

    mine = dashboard_figures(user=_instructor(agency_a)).courses
    theirs = dashboard_figures(user=_instructor(agency_b)).courses

    assert [(row.title, row.enrolled) for row in mine.rows] == [("Implant basics", 1)]
    # B's learners are in a platform course: B's instructor follows them there.
    assert [(row.title, row.enrolled, row.stalled) for row in theirs.rows] == [
        ("Platform basics", 2, 1)
    ]


def test_the_courses_section_is_for_who_may_view_enrollments_and_progress(admin_user):
    _known_dataset(admin_user)
    sales = StaffUserFactory()
    sales.user_permissions.set(Permission.objects.filter(codename__startswith="view_crm"))
    only_enrollments = StaffUserFactory()
    only_enrollments.user_permissions.set(Permission.objects.filter(codename="view_enrollment"))

    assert dashboard_figures(user=sales).courses is None
    assert dashboard_figures(user=only_enrollments).courses is None
    assert dashboard_figures(user=_instructor()).courses is not None


def test_the_page_shows_the_courses_section(client, admin_user):
    _known_dataset(admin_user)
    client.force_login(_instructor())

    html = client.get(DASHBOARD).content.decode()

    section = html.split('id="courses-title"')[1].split("</section>")[0]
    assert "Completion per course" in section
    assert "Implant basics" in section and "33%" in section and "(1 of 3)" in section
    assert "Enrollments with no progress in 14 days" in section


def test_the_courses_section_costs_one_query_at_any_size(admin_user):
    instructor = _instructor()
    # The same permissions but the LMS's: no courses section.
    without = StaffUserFactory()
    without.user_permissions.set(
        Permission.objects.filter(group__name="Instructors").exclude(content_type__app_label="lms")
    )
    for user in (instructor, without):
        dashboard_figures(user=user)  # read the permissions once (cached on the user)

    _known_dataset(admin_user)
    small = _queries_of_the_dashboard(instructor)
    for _ in range(10):
        _known_dataset(admin_user)
    large = _queries_of_the_dashboard(instructor)

    assert small == large
    assert large == _queries_of_the_dashboard(without) + 1
