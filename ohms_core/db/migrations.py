"""A faster way to apply the initial migrations of large add-ons.

Django applies a migration operation by operation, and every ``CreateModel`` re-renders,
in the rendered migration state, every model transitively related to the new one. Our
business models all point at the user model and the organization, so each of them
re-renders nearly the whole graph (Wagtail's models included): a fresh ``migrate`` of the
suite spent most of its time there, and so did every test-database creation.

``BatchCreateMigration`` applies a migration made only of ``CreateModel`` operations (plus
``AddField``/``AddIndex``/``AddConstraint`` on models it creates) in one step: the state
changes are applied without rendering, the state is rendered once, and each table is
created from its final model (fields, indexes and constraints included), exactly the
schema the step-by-step path gives. Anything else (a data migration, an operation on an
existing model, ``sqlmigrate``) takes Django's ordinary path. Unapplying is unchanged.
"""
from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations import AddConstraint, AddField, AddIndex, CreateModel

_BATCHABLE = (CreateModel, AddField, AddIndex, AddConstraint)


class BatchCreateMigration(migrations.Migration):
    def _batchable(self) -> bool:
        created = {op.name_lower for op in self.operations if type(op) is CreateModel}
        return bool(created) and all(
            type(op) in _BATCHABLE and (type(op) is CreateModel or op.model_name_lower in created)
            for op in self.operations
        )

    def apply(self, project_state, schema_editor, collect_sql=False):
        if collect_sql or not self._batchable():
            return super().apply(project_state, schema_editor, collect_sql)
        # Forget the rendered models: state changes then cost nothing until the one render below.
        project_state.__dict__.pop("apps", None)
        for operation in self.operations:
            operation.state_forwards(self.app_label, project_state)
        apps = project_state.apps
        alias = schema_editor.connection.alias
        for operation in self.operations:
            if type(operation) is CreateModel:
                model = apps.get_model(self.app_label, operation.name)
                if operation.allow_migrate_model(alias, model):
                    schema_editor.create_model(model)
        return project_state
