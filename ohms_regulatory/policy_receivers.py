"""Receivers of the policy pages, connected when the models load (``models/__init__``).

Two framework notifications with no service of ours on their path:
* ``page_published``: every way a revision goes live (the editor's Publish, a workflow
  approval, a scheduled publication) bumps the policy's version through one service;
* ``Membership`` saved or deleted: the member's Wagtail page rights (derived from core
  roles) are recomputed at once, so a demoted or removed member loses them immediately.
"""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="ohms_policy_published")
def _policy_published(sender, instance, **kwargs):
    from .models import PolicyPage

    if isinstance(instance, PolicyPage):
        from .services.policies import policy_published

        policy_published(page=instance)


def _membership_changed(sender, instance, **kwargs):
    from .services.policies import policy_groups_sync_user

    if getattr(instance, "user_id", None):
        instance.user.__dict__.pop("_ohms_policy_org_ids", None)
        policy_groups_sync_user(user=instance.user)


def connect():
    from ohms_core.models import Membership

    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="ohms_policy_membership_saved")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="ohms_policy_membership_deleted")
