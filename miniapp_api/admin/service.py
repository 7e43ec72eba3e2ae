"""The administration reads, re-exported from their modules: the user directory
(`directory`: search, one user's file, an operator's user reference) and the audit log
(`audit_log`)."""

from miniapp_api.admin.audit_log import AuditItem, audit_entries
from miniapp_api.admin.directory import (
    EnrollmentInfo,
    RoleZoneName,
    UserFile,
    UserSummary,
    find_user,
    find_users,
    user_file,
)

__all__ = [
    "AuditItem",
    "EnrollmentInfo",
    "RoleZoneName",
    "UserFile",
    "UserSummary",
    "audit_entries",
    "find_user",
    "find_users",
    "user_file",
]
