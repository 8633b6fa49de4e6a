"""Exit examinations book the clinician: the exam's linked appointment (services.exit_booking)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ohms_health', '0007_risksettings_ppe_compliance_points'),
    ]

    operations = [
        migrations.AddField(
            model_name='exitexamination',
            name='appointment',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='exit_examination', to='ohms_health.appointment', verbose_name='appointment'),
        ),
        migrations.AddField(
            model_name='historicalexitexamination',
            name='appointment',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ohms_health.appointment', verbose_name='appointment'),
        ),
    ]
