"""Cross-domain administration reads: the user directory and the audit log. It reads and
calls the other domains' services; it owns no business rules and no tables."""
