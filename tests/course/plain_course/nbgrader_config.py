"""A plain nbgrader course (no nlpcourse in it): what `nlpcourse autograde` must grade as
`nbgrader autograde` does (tests/course/autograde/test_plain_course.py)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "plain"
