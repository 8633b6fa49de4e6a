"""Health add-on use cases: medical records (role-checked, read-audited) and risk profiles."""
from .medical import (
    MEDICAL_FIELDS,
    MEDICAL_READERS,
    fitness_worker_check,
    medical_profile_read,
    medical_profile_save,
    require_medical_role,
    worker_fitness,
)
from .records import (
    audit_medical_reads,
    medical_record_create,
    medical_record_delete,
    medical_record_update,
)

__all__ = [
    "MEDICAL_FIELDS", "MEDICAL_READERS", "audit_medical_reads", "fitness_worker_check", "medical_profile_read",
    "medical_profile_save", "medical_record_create", "medical_record_delete", "medical_record_update",
    "require_medical_role", "worker_fitness",
]
