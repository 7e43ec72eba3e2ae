"""/console/quizzes (in progress)."""
