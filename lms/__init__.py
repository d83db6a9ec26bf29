"""Courses, lessons, enrolment, progress, question bank, practice quizzes, content sync."""
