"""Load the default rules added after 0010 (issue 15, fourth pass): ~180 Vietnamese and English
action verbs and manner adverbs, "giao nhiệm vụ (cụ thể) cho" as a request, day-month deadlines
written with a dash ("trước ngày 14-9", "tháng 2-2026"), and the closing formula of a notice
("... thông báo để ... biết, thực hiện"), background that begins "Trước đó," and a news agency's
dateline as exclusions. Idempotent, like 0003 and 0005 to 0010."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_more_modals_and_groups"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
