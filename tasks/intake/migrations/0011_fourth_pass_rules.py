"""Load the default rules added after 0010 (issue 15, fourth to seventh passes): ~300 Vietnamese
and English action verbs and lead-ins, "giao nhiệm vụ (cụ thể) cho", "stressed the need to", "it
is necessary to" and "propose that" as requests, day-month deadlines written with a dash ("trước
ngày 14-9", "tháng 2-2026"), ministry abbreviations and forms of names (Bộ GTVT, NHNN, TP.HCM,
Thừa Thiên Huế, "the central bank"), and as exclusions: the closing formula of a notice, background
opened by "Trước đó,", a news agency's dateline, forecasts, "according to experts", "the dispatch
states that ..." with no request after it, and "be responsible to the ...". Idempotent, like 0003
and 0005 to 0010."""

from django.db import migrations


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults

    load_defaults(apps.get_model, app_label="intake")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_more_modals_and_groups"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
