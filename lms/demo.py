"""Demo courses, learners, enrollments and progress."""

from decimal import Decimal

from core.demo import days_ago, demo_uuid
from crm.models import Organization
from lms.models import (
    Chapter,
    Course,
    Enrollment,
    Learner,
    LearnerIntegration,
    Lesson,
    LessonProgress,
)

COURSES = [
    {
        "slug": "patient-communication-basics",
        "title": "Patient Communication Basics",
        "category": "Front desk",
        "level": Course.Level.BEGINNER,
        "price": Decimal("0"),
        "is_free": True,
        "duration": 90,
        "chapters": [
            ("first-contact", "First contact", ["Answering the phone", "Booking the first visit"]),
            ("follow-up", "Follow-up", ["Reminder calls", "Handling no-shows"]),
        ],
    },
    {
        "slug": "growing-a-clinic-with-crm",
        "title": "Growing a Clinic with a CRM",
        "category": "Marketing",
        "level": Course.Level.INTERMEDIATE,
        "price": Decimal("149.00"),
        "is_free": False,
        "duration": 240,
        "chapters": [
            ("pipelines", "Pipelines", ["Lead stages", "Tags that matter"]),
            ("automation", "Automation", ["Appointment reminders", "Review requests"]),
            ("reporting", "Reporting", ["Weekly numbers"]),
        ],
    },
]

LEARNERS = [
    # organization slug, name, email, phone, timezone
    (
        "brightsmile-dental",
        "Asha Verma",
        "asha@brightsmile.example",
        "+91 98100 11111",
        "Asia/Kolkata",
    ),
    (
        "brightsmile-dental",
        "Rahul Mehta",
        "rahul@brightsmile.example",
        "+91 98100 22222",
        "Asia/Kolkata",
    ),
    ("brightsmile-dental", "Front Desk (shared)", None, "+91 98100 33333", ""),
    (
        "northwind-wellness",
        "Grace Okafor",
        "grace@northwind.example",
        "+1 415 555 0101",
        "America/Los_Angeles",
    ),
    (
        "northwind-wellness",
        "Tom Becker",
        "tom@northwind.example",
        "+1 415 555 0102",
        "America/Los_Angeles",
    ),
    # The same email in another organization is a different learner.
    ("northwind-wellness", "Asha Verma", "asha@brightsmile.example", "", "Asia/Kolkata"),
]


def seed_courses(organizations: dict[str, Organization]) -> list[Course]:
    """Create or refresh the demo courses with their chapters and lessons."""
    courses = []
    for spec in COURSES:
        course, _ = Course.objects.update_or_create(
            id=demo_uuid("course", spec["slug"]),
            defaults={
                "organization": organizations["comfhutt"],
                "title": spec["title"],
                "slug": spec["slug"],
                "description": f"{spec['title']}: a practical course for busy clinic teams.",
                "small_description": f"Learn {spec['title'].lower()} in short lessons.",
                "category": spec["category"],
                "level": spec["level"],
                "status": Course.Status.PUBLISHED,
                "price": spec["price"],
                "is_free": spec["is_free"],
                "duration": spec["duration"],
            },
        )
        for chapter_position, (chapter_slug, chapter_title, lessons) in enumerate(spec["chapters"]):
            chapter, _ = Chapter.objects.update_or_create(
                id=demo_uuid("chapter", spec["slug"], chapter_slug),
                defaults={
                    "course": course,
                    "slug": chapter_slug,
                    "title": chapter_title,
                    "position": chapter_position,
                },
            )
            for lesson_position, lesson_title in enumerate(lessons):
                lesson_slug = lesson_title.lower().replace(" ", "-").replace("-", "-")
                Lesson.objects.update_or_create(
                    id=demo_uuid("lesson", spec["slug"], chapter_slug, lesson_slug),
                    defaults={
                        "chapter": chapter,
                        "slug": lesson_slug,
                        "title": lesson_title,
                        "description": f"{lesson_title}, step by step.",
                        "position": lesson_position,
                    },
                )
        courses.append(course)
    return courses


def seed_learners(organizations: dict[str, Organization], courses: list[Course]) -> list[Learner]:
    """Create or refresh demo learners, each enrolled with some lessons done."""
    learners = []
    for index, (org_slug, name, email, phone, tz) in enumerate(LEARNERS):
        learner, _ = Learner.objects.update_or_create(
            id=demo_uuid("learner", org_slug, name),
            defaults={
                "organization": organizations[org_slug],
                "name": name,
                "email": email,
                "phone": phone,
                "timezone": tz,
                "address": f"{12 + index} Market Street",
            },
            create_defaults={
                "organization": organizations[org_slug],
                "name": name,
                "email": email,
                "phone": phone,
                "timezone": tz,
                "address": f"{12 + index} Market Street",
                "created_at": days_ago(200 - index * 10),
            },
        )
        learners.append(learner)
        enrolled = courses[: 1 + index % len(courses)]
        for course in enrolled:
            Enrollment.objects.update_or_create(
                learner=learner,
                course=course,
                defaults={
                    "amount": course.price,
                    "status": Enrollment.Status.ACTIVE,
                },
                create_defaults={
                    "id": demo_uuid("enrollment", learner.id, course.slug),
                    "amount": course.price,
                    "status": Enrollment.Status.ACTIVE,
                },
            )
            lessons = Lesson.objects.filter(chapter__course=course).order_by(
                "chapter__position", "position"
            )
            for lesson_index, lesson in enumerate(lessons[: 2 + index % 3]):
                LessonProgress.objects.update_or_create(
                    learner=learner,
                    lesson=lesson,
                    defaults={"completed": lesson_index % 3 != 2},
                    create_defaults={
                        "id": demo_uuid("progress", learner.id, lesson.id),
                        "completed": lesson_index % 3 != 2,
                    },
                )
        if email:
            LearnerIntegration.objects.update_or_create(
                provider="ghl",
                external_id=f"ghl-{demo_uuid('ghl', learner.id).hex[:12]}",
                defaults={
                    "learner": learner,
                    "external_data": {"pipeline": "Onboarding", "stage": "Active"},
                    "last_sync_at": days_ago(1),
                },
            )
    return learners


def seed_lms(organizations: dict[str, Organization]) -> None:
    courses = seed_courses(organizations)
    seed_learners(organizations, courses)
