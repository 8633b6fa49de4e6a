"""Guards for a fast fresh start (docs/performance.md): our migrations apply after every
framework migration, and model-creating migrations use the batched path."""
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from ohms_core.db.migrations import BatchCreateMigration


def test_add_on_migrations_apply_after_every_framework_migration(db):
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    labels = [migration.app_label for migration, _backwards in plan]
    first_ours = next(i for i, label in enumerate(labels) if label.startswith("ohms_"))
    late_framework = [label for label in labels[first_ours:] if not label.startswith("ohms_")]
    assert late_framework == [], f"framework migrations after ours re-render our models: {late_framework}"


def test_model_creating_migrations_take_the_batched_path():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    slow = []
    for (app_label, name), migration in loader.graph.nodes.items():
        if not app_label.startswith("ohms_"):
            continue
        creates = sum(1 for op in migration.operations if type(op).__name__ == "CreateModel")
        if creates >= 3 and not isinstance(migration, BatchCreateMigration):
            slow.append(f"{app_label}.{name}")
        if isinstance(migration, BatchCreateMigration):
            assert migration._batchable(), f"{app_label}.{name} mixes operations the batch cannot take"
    assert slow == [], f"use ohms_core.db.migrations.BatchCreateMigration for: {slow}"
