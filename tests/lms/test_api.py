"""Staff API for the LMS (/api/lms/): courses with chapters and lessons, enrollments, progress."""

import pytest

from tests.api_support import bearer_client, grant, world_fixture  # noqa: F401
from tests.crm.factories import ContactFactory, StaffUserFactory
from tests.lms.factories import (
    ChapterFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_courses_are_scoped_and_a_course_holds_its_chapters_and_lessons_in_order(world):
    course = CourseFactory(organization=world.org_a)
    second = ChapterFactory(course=course, position=2, title="Second")
    first = ChapterFactory(course=course, position=1, title="First")
    LessonFactory(chapter=first, position=2, title="1.2")
    LessonFactory(chapter=first, position=1, title="1.1")
    EnrollmentFactory(course=course, contact=ContactFactory(organization=world.org_a))
    theirs = CourseFactory(organization=world.org_b)

    assert ids(world.a.get("/api/lms/courses/")) == {str(course.pk)}
    assert ids(world.staff.get("/api/lms/courses/")) == {str(course.pk), str(theirs.pk)}
    assert world.a.get(f"/api/lms/courses/{theirs.pk}/").status_code == 404
    body = world.a.get(f"/api/lms/courses/{course.pk}/").json()
    assert body["enrollment_count"] == 1
    assert [chapter["title"] for chapter in body["chapters"]] == ["First", "Second"]
    assert [lesson["title"] for lesson in body["chapters"][0]["lessons"]] == ["1.1", "1.2"]
    assert body["chapters"][1]["id"] == str(second.pk)


def test_enrollments_and_progress_are_scoped_and_filter(world):
    mine = EnrollmentFactory(contact=ContactFactory(organization=world.org_a))
    EnrollmentFactory(contact=ContactFactory(organization=world.org_b))
    progress = LessonProgressFactory(contact=mine.contact, completed=True)
    LessonProgressFactory(contact=mine.contact, completed=False)
    LessonProgressFactory(contact=ContactFactory(organization=world.org_b))

    assert ids(world.a.get("/api/lms/enrollments/")) == {str(mine.pk)}
    assert ids(world.a.get("/api/lms/enrollments/", {"contact": str(mine.contact_id)})) == {
        str(mine.pk)
    }
    assert ids(world.a.get("/api/lms/progress/", {"completed": "true"})) == {str(progress.pk)}
    course = progress.lesson.chapter.course_id
    assert ids(world.a.get("/api/lms/progress/", {"course": str(course)})) == {str(progress.pk)}
    assert world.anonymous.get("/api/lms/progress/").status_code == 401


def test_lms_is_read_only_and_needs_view_permissions(world):
    course = CourseFactory(organization=world.org_a)
    user = StaffUserFactory()

    assert world.a.post("/api/lms/courses/", {"title": "x"}).status_code == 405
    assert world.a.delete(f"/api/lms/courses/{course.pk}/").status_code == 405
    assert bearer_client(user).get("/api/lms/courses/").status_code == 403
    assert bearer_client(grant(user, "lms.view_course")).get("/api/lms/courses/").status_code == 200


@pytest.mark.parametrize("path", ["courses", "enrollments", "progress"])
@pytest.mark.parametrize("page_size", [2, 20])
def test_list_query_count_does_not_grow_with_page_size(
    world, path, page_size, django_assert_max_num_queries
):
    for _ in range(20):
        LessonProgressFactory(
            contact=EnrollmentFactory(
                contact=ContactFactory(organization=world.org_a),
                course=CourseFactory(organization=world.org_a),
            ).contact
        )
    client = bearer_client(world.member_a)

    # token, last_used_at, membership, two permission queries, count, page
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/lms/{path}/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size
