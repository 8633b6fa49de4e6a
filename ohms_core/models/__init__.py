from .audit import AppendOnlyError, AuditAction, AuditLog, AuditRisk
from .base import BaseModel, TrackedModel
from .documents import ApprovalStatus, Document, DocumentType, PrivacyLevel
from .events import DeliveryStatus, Event, EventDelivery
from .idempotency import IdempotencyRecord
from .jobs import JobRun, JobTrigger
from .notifications import Notification, NotificationPreference, NotificationRule
from .people import Contact, ContactMethod, ContactType, Worker
from .sync import AppliedOfflineChange, SyncConflict, SyncConflictStatus, SyncResolution, SyncRunLog
from .tenancy import Enterprise, Membership, Organization, Project, Site
from .tokens import ApiToken, hash_token
from .workflow import TransitionLog

__all__ = [
    "AppendOnlyError", "AuditAction", "AuditLog", "AuditRisk", "BaseModel", "TrackedModel",
    "ApprovalStatus", "Document", "DocumentType", "PrivacyLevel", "Contact", "ContactMethod",
    "ContactType", "Worker", "Enterprise", "Membership", "Organization",
    "Project", "Site", "ApiToken", "hash_token", "DeliveryStatus", "Event", "EventDelivery", "JobRun",
    "JobTrigger", "IdempotencyRecord", "Notification", "NotificationPreference", "NotificationRule", "TransitionLog",
    "AppliedOfflineChange", "SyncConflict", "SyncConflictStatus", "SyncResolution", "SyncRunLog",
]
