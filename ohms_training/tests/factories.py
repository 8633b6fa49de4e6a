"""Training test data: an organization with a coordinator, a worker with an account, a module and its quiz."""
from ohms_core import testing
from ohms_core.context import acting_as

from ..models import TrainingModule, TrainingQuiz

QUESTIONS = [
    {"text": "Quelle est la première étape LOTO ?", "choices": ["Prévenir", "Couper", "Verrouiller"], "answer": 0},
    {"text": "Qui pose le cadenas ?", "choices": ["Chaque intervenant", "Le chef"], "answer": 0},
    {"text": "Vérifier l'absence d'énergie ?", "choices": ["Non", "Oui"], "answer": 1},
    {"text": "Clé du cadenas ?", "choices": ["Sur le cadenas", "Gardée par l'intervenant"], "answer": 1},
]


class TrainingWorld:
    def __init__(self, code="TRN", org=None):
        self.org = org or testing.make_organization(code, f"Mine {code}")
        self.coordinator = testing.make_member(self.org, "safety_manager")
        self.taker = testing.make_member(self.org, "worker")
        self.auditor = testing.make_member(self.org, "auditor")
        with acting_as(organization=self.org):
            self.worker = testing.make_worker(self.org, user=self.taker, employee_number=f"{code}-001",
                                              contact=testing.make_contact(self.org, first_name="Mwamba",
                                                                           last_name="Kasongo"))
            self.module = TrainingModule.objects.create(organization=self.org, title="Consignation LOTO", language="fr",
                                                        pass_mark=75, validity_months=12,
                                                        video_url="https://videos.example.test/loto")
            self.quiz = TrainingQuiz.objects.create(organization=self.org, module=self.module, questions=QUESTIONS,
                                                    max_attempts=2)
        self.clients = {}

    def client(self, user):
        if user.pk not in self.clients:
            self.clients[user.pk] = testing.token_client(user, self.org)
        return self.clients[user.pk]

    def assign(self, worker=None):
        r = self.client(self.coordinator).post("/api/v1/training/progress/assign/", {
            "module": str(self.module.pk), "workers": [str((worker or self.worker).pk)]}, format="json")
        assert r.status_code == 200, r.json()
        return r.json()

    def submit(self, answers, user=None):
        return self.client(user or self.taker).post(f"/api/v1/training/quizzes/{self.quiz.pk}/submit/",
                                                    {"answers": answers}, format="json")
