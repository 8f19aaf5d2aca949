"""Admin forms of the LMS: they run the services' checks before the services write."""

from django import forms
from django.core.exceptions import ValidationError

from lms.models import Enrollment, Lesson, LessonProgress
from lms.services import enrollment_check_amount, enrollment_check_course, lesson_progress_check


def lesson_label(lesson: Lesson) -> str:
    """ "Course › Chapter › Lesson": a lesson picker reads like the course's table of contents."""
    chapter = lesson.chapter
    return f"{chapter.course.title} › {chapter.title} › {lesson.title}"


class LessonChoiceField(forms.ModelChoiceField):
    """A lesson picker in course order, each lesson named with its course and chapter."""

    def __init__(self, queryset, **kwargs):
        queryset = queryset.select_related("chapter__course").order_by(
            "chapter__course__title", "chapter__position", "chapter__title", "position", "title"
        )
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Lesson) -> str:
        return lesson_label(obj)


class EnrollmentAdminForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ["contact", "course", "status", "amount"]

    def clean(self):
        cleaned = super().clean()
        checks = []
        if "amount" in cleaned and cleaned["amount"] is not None:
            checks.append(lambda: enrollment_check_amount(amount=cleaned["amount"]))
        if self.instance._state.adding and cleaned.get("contact") and cleaned.get("course"):
            checks.append(
                lambda: enrollment_check_course(
                    contact=cleaned["contact"], course=cleaned["course"]
                )
            )
        for check in checks:
            try:
                check()
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class LessonProgressAdminForm(forms.ModelForm):
    class Meta:
        model = LessonProgress
        fields = ["contact", "lesson", "completed"]

    def clean(self):
        cleaned = super().clean()
        contact, lesson = cleaned.get("contact"), cleaned.get("lesson")
        if self.instance._state.adding and contact is not None and lesson is not None:
            try:
                lesson_progress_check(contact=contact, lesson=lesson)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned
