"""Demo policy tree: four real-looking policies of a DRC copper mine in English and French,
published through moderation (submitted by the compliance officer, approved by the org
admin), one new policy waiting for approval, and a few acknowledgements. Idempotent."""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ..models import PolicyPage
from ..services.policies import (
    policy_acknowledge,
    policy_create,
    policy_index_for,
    policy_moderate,
    policy_submit,
    policy_translation_create,
    policy_tree_setup,
)

COMPLIANCE = "conformite@ohms.demo"


def _p(text):
    return ("paragraph", f"<p>{text}</p>")


POLICIES = [
    {
        "slug": "permit-to-work",
        "en": {"title": "Permit to work", "summary": "No high-risk work starts without an approved, active permit.",
               "body": [("heading", "Scope"),
                        _p("Applies to hot work, confined spaces, work at height, electrical and excavation work on every site."),
                        ("key_rule", {"title": "No permit, no work", "text": "Work stops at once when the permit is not displayed at the work place."}),
                        ("heading", "Responsibilities"),
                        ("list", {"ordered": True, "items": ["The requester prepares the permit and the risk assessment.",
                                                             "The verifier checks isolations and gas tests.",
                                                             "The approver authorises; the issuer hands the permit over on site.",
                                                             "The area in-charge closes the permit out with the crew."]})]},
        "fr": {"title": "Permis de travail", "summary": "Aucun travail à haut risque ne commence sans permis approuvé et actif.",
               "body": [("heading", "Champ d'application"),
                        _p("S'applique aux travaux par point chaud, en espace confiné, en hauteur, électriques et d'excavation sur tous les sites."),
                        ("key_rule", {"title": "Pas de permis, pas de travail", "text": "Le travail s'arrête immédiatement si le permis n'est pas affiché sur le lieu de travail."}),
                        ("heading", "Responsabilités"),
                        ("list", {"ordered": True, "items": ["Le demandeur prépare le permis et l'analyse de risques.",
                                                             "Le vérificateur contrôle les isolements et les mesures de gaz.",
                                                             "L'approbateur autorise ; l'émetteur remet le permis sur le terrain.",
                                                             "Le responsable de zone clôture le permis avec l'équipe."]})]},
        "roles": [], "publish": True,
    },
    {
        "slug": "lockout-tagout",
        "en": {"title": "Lockout / tagout (LOTO)", "summary": "Every energy source is isolated, locked and tested before work.",
               "body": [("heading", "Principle"),
                        _p("Electrical, mechanical, hydraulic, pneumatic and chemical energies are isolated at the source."),
                        ("key_rule", {"title": "One person, one lock, one key", "text": "Each worker applies their own personal lock and keeps the key."}),
                        ("list", {"ordered": True, "items": ["Announce the shutdown", "Isolate", "Lock and tag", "Release stored energy", "Test for zero energy"]})]},
        "fr": {"title": "Consignation / déconsignation (LOTO)", "summary": "Chaque source d'énergie est isolée, cadenassée et vérifiée avant le travail.",
               "body": [("heading", "Principe"),
                        _p("Les énergies électriques, mécaniques, hydrauliques, pneumatiques et chimiques sont isolées à la source."),
                        ("key_rule", {"title": "Une personne, un cadenas, une clé", "text": "Chaque intervenant pose son cadenas personnel et garde sa clé."}),
                        ("list", {"ordered": True, "items": ["Annoncer l'arrêt", "Isoler", "Cadenasser et étiqueter", "Dissiper les énergies résiduelles", "Vérifier l'absence d'énergie"]})]},
        "roles": ["issuer", "area_incharge", "verifier", "worker", "safety_manager"], "publish": True,
    },
    {
        "slug": "hearing-conservation",
        "en": {"title": "Hearing conservation", "summary": "Noise above 85 dB(A) requires hearing protection and yearly audiometry.",
               "body": [("heading", "Noise zones"),
                        _p("Crushers, mills and the workshop are marked noise zones."),
                        ("key_rule", {"title": "85 dB(A)", "text": "Above 85 dB(A) hearing protection is mandatory, whatever the duration."}),
                        ("list", {"ordered": False, "items": ["Audiometry at hire and every year", "Plugs and muffs issued free of charge"]})]},
        "fr": {"title": "Préservation de l'ouïe", "summary": "Au-delà de 85 dB(A), protections auditives et audiométrie annuelle obligatoires.",
               "body": [("heading", "Zones bruyantes"),
                        _p("Les concasseurs, les broyeurs et l'atelier sont des zones bruyantes balisées."),
                        ("key_rule", {"title": "85 dB(A)", "text": "Au-delà de 85 dB(A), le port de protections auditives est obligatoire, quelle que soit la durée."}),
                        ("list", {"ordered": False, "items": ["Audiométrie à l'embauche puis chaque année", "Bouchons et casques fournis gratuitement"]})]},
        "roles": [], "publish": True, "review_in_days": 20,
    },
    {
        "slug": "personal-protective-equipment",
        "en": {"title": "Personal protective equipment (PPE)", "summary": "Helmet, boots, glasses and vest on every operational area.",
               "body": [("heading", "Minimum PPE"),
                        ("list", {"ordered": False, "items": ["Helmet", "Safety boots", "Safety glasses", "High-visibility vest"]}),
                        ("key_rule", {"title": "Damaged PPE", "text": "Damaged or expired PPE is replaced before work, at the store, free of charge."})]},
        "fr": {"title": "Équipements de protection individuelle (EPI)", "summary": "Casque, bottes, lunettes et gilet dans toutes les zones opérationnelles.",
               "body": [("heading", "EPI minimum"),
                        ("list", {"ordered": False, "items": ["Casque", "Bottes de sécurité", "Lunettes de sécurité", "Gilet haute visibilité"]}),
                        ("key_rule", {"title": "EPI endommagé", "text": "Un EPI endommagé ou périmé est remplacé avant le travail, au magasin, gratuitement."})]},
        "roles": [], "publish": False,  # waits for the org admin's approval
    },
]


def _fill(page, content):
    page.title, page.summary, page.body = content["title"], content["summary"], content["body"]
    return page


def load(*, organization, user, rng) -> str:
    if PolicyPage.objects.filter(organization=organization).exists():
        return "Regulatory demo: policy pages already present."
    policy_tree_setup(organization=organization, user=user)
    index = policy_index_for(organization)
    compliance = get_user_model().objects.filter(username=COMPLIANCE).first() or user
    today = timezone.localdate()
    published = pending = 0
    for spec in POLICIES:
        page = policy_create(index=index, title=spec["en"]["title"], slug=spec["slug"], user=compliance, body=spec["en"]["body"],
                             summary=spec["en"]["summary"], audience_roles=spec["roles"], policy_owner=compliance,
                             effective_date=today - timedelta(days=rng.choice([20, 45, 90])),
                             review_date=today + timedelta(days=spec.get("review_in_days", 300)))
        policy_submit(page=page, user=compliance)
        if not spec["publish"]:
            pending += 1
            continue
        policy_moderate(page=page, user=user, approve=True, comment="Approuvé.")
        page.refresh_from_db()
        french = _fill(policy_translation_create(page=page, language="fr", user=compliance), spec["fr"])
        french.save_revision(user=compliance)
        policy_submit(page=french, user=compliance)
        policy_moderate(page=french, user=user, approve=True)
        published += 1
    acknowledged = 0
    from ohms_core.models import Membership

    members = [m.user for m in Membership.objects.filter(organization=organization, is_active=True).select_related("user")]
    for page in PolicyPage.objects.live().filter(organization=organization, locale__language_code="en"):
        for member in members:
            if member.username in (COMPLIANCE, "securite@ohms.demo") or rng.random() < 0.25:
                try:
                    policy_acknowledge(page=page, user=member)
                    acknowledged += 1
                except PermissionDenied:  # not in that policy's audience
                    continue
    return f"Regulatory demo: {published} policies published in English and French, {pending} waiting for approval, {acknowledged} acknowledgements."
