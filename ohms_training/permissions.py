"""Who may do what (issue 11). No new role: training coordinators are the organization's
safety managers and admins (``MANAGERS``); every member reads the catalogue and takes the
modules assigned to their own worker record; a worker reads only their own progress and
certificates (``selectors.own_rows_only``). Certificates are written by the system on a pass
(no one adds or edits them by hand); a coordinator may withdraw one (soft delete)."""
from ohms_core import permissions
from ohms_core.roles import Role

MANAGERS = permissions.MANAGERS
ALL = permissions.ALL_ROLES
NOBODY = frozenset()
#: Quiz attempts hold the answers given: coordinators and auditors read them.
ATTEMPT_READERS = MANAGERS | {Role.AUDITOR, Role.COMPLIANCE_OFFICER}

RESOURCES = {
    "trainingmodule": {"view": ALL, "add": MANAGERS, "change": MANAGERS, "delete": MANAGERS},
    # Everybody reads quizzes (the answers only if they may change them); "submit" is a read-level action.
    "trainingquiz": {"view": ALL, "add": MANAGERS, "change": MANAGERS, "delete": MANAGERS},
    "trainingprogress": {"view": ALL, "add": MANAGERS, "change": MANAGERS, "delete": MANAGERS},
    "quizattempt": {"view": ATTEMPT_READERS, "add": NOBODY, "change": NOBODY, "delete": NOBODY},
    "certificate": {"view": ALL, "add": NOBODY, "change": NOBODY, "delete": MANAGERS},
    # A site's visitor induction: coordinators set it, every member reads it.
    "sitevisitorinduction": {"view": ALL, "add": MANAGERS, "change": MANAGERS, "delete": MANAGERS},
    # Visitors' attempts (written by the public quiz page only): read like workers' attempts.
    "visitorinductionattempt": {"view": ATTEMPT_READERS, "add": NOBODY, "change": NOBODY, "delete": NOBODY},
}
