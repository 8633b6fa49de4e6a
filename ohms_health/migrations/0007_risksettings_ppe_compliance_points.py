"""PPE compliance points of the risk score (SPEC 3.2 exposure factor "PPE compliance 0-15")."""
import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ohms_health', '0006_ppe_appointments_billing'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalrisksettings',
            name='ppe_compliance_points',
            field=models.PositiveSmallIntegerField(default=15, validators=[django.core.validators.MaxValueValidator(100)], verbose_name='PPE compliance, at most'),
        ),
        migrations.AddField(
            model_name='risksettings',
            name='ppe_compliance_points',
            field=models.PositiveSmallIntegerField(default=15, validators=[django.core.validators.MaxValueValidator(100)], verbose_name='PPE compliance, at most'),
        ),
    ]
