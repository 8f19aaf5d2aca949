"""Demo courses, and enrollments and progress of crm contacts."""

from decimal import Decimal

from core.demo import demo_uuid
from crm.demo import contact_id
from crm.models import Contact, Organization
from lms.models import Chapter, Course, Enrollment, Lesson, LessonProgress

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

# The contacts (from crm.demo) who take courses: organization slug, contact key.
LEARNERS = [
    ("brightsmile-dental", "asha"),
    ("brightsmile-dental", "rahul"),
    ("brightsmile-dental", "front-desk"),
    ("northwind-wellness", "grace"),
    ("northwind-wellness", "tom"),
    ("northwind-wellness", "asha"),
    # Both records of Meera Iyer (crm.demo): a merge keeps one enrollment per course and the
    # union of lessons done.
    ("brightsmile-dental", "meera"),
    ("brightsmile-dental", "meera-again"),
]


def seed_courses(organizations: dict[str, Organization]) -> list[Course]:
    """Create or refresh the demo courses with their chapters and lessons."""
    courses = []
    for spec in COURSES:
        course, _ = Course.objects.update_or_create(
            id=demo_uuid("course", spec["slug"]),
            defaults={
                # Platform courses (no organization): every organization's contacts may take
                # them (lms/services.py); the demo's learners are Brightsmile's and Northwind's.
                "organization": None,
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


def seed_enrollments(courses: list[Course]) -> list[Contact]:
    """Enroll the demo contacts in courses, each with some lessons done."""
    contacts = Contact.objects.in_bulk([contact_id(org, key) for org, key in LEARNERS])
    enrolled_contacts = []
    for index, (org_slug, key) in enumerate(LEARNERS):
        contact = contacts[contact_id(org_slug, key)]
        enrolled_contacts.append(contact)
        enrolled = courses[: 1 + index % len(courses)]
        for course in enrolled:
            Enrollment.objects.update_or_create(
                contact=contact,
                course=course,
                defaults={
                    "amount": course.price,
                    "status": Enrollment.Status.ACTIVE,
                },
                create_defaults={
                    "id": demo_uuid("enrollment", contact.id, course.slug),
                    "amount": course.price,
                    "status": Enrollment.Status.ACTIVE,
                },
            )
            lessons = Lesson.objects.filter(chapter__course=course).order_by(
                "chapter__position", "position"
            )
            for lesson_index, lesson in enumerate(lessons[: 2 + index % 3]):
                LessonProgress.objects.update_or_create(
                    contact=contact,
                    lesson=lesson,
                    defaults={"completed": lesson_index % 3 != 2},
                    create_defaults={
                        "id": demo_uuid("progress", contact.id, lesson.id),
                        "completed": lesson_index % 3 != 2,
                    },
                )
    return enrolled_contacts


def seed_lms(organizations: dict[str, Organization]) -> None:
    courses = seed_courses(organizations)
    seed_enrollments(courses)
