from ohms_core import permissions
from ohms_core.roles import Role

RESOURCES = {
    "inspection": {
        "view": permissions.ALL_ROLES, "add": permissions.ALL_ROLES - {Role.AUDITOR},
        "change": permissions.ALL_ROLES - {Role.AUDITOR}, "delete": permissions.MANAGERS,
    },
}
