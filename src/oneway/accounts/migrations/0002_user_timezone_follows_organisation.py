from django.db import migrations, models


def utc_to_organisation(apps, schema_editor):
    # Nobody could choose a zone before the profile page existed: "UTC" was the default,
    # not a choice, so these members now follow their organisation's zone.
    User = apps.get_model("accounts", "User")
    User.objects.filter(timezone="UTC").update(timezone="")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="timezone",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(utc_to_organisation, migrations.RunPython.noop),
    ]
