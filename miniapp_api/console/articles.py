"""/console/articles (in progress)."""
