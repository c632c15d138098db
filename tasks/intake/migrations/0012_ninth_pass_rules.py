"""Load the default rules added by issue 15's ninth pass: "suggested that" and "requesting" as
requests, the Prime Minister "chỉ đạo" an addressee, "the city" / "the province" / "tỉnh ... cần"
as anaphors of the place named before, and who asked before the subject ("Theo yêu cầu của Thủ
tướng, ...", "At the request of ..., ") read past. Idempotent, like 0003 and 0005 to 0011."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0011_fourth_pass_rules"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
