"""Load the default rules added by issue 15's tenth pass: "Thông báo nêu rõ, ..." and "Báo cáo
nhanh của ..." with no request are not drafted, and the members of a steering committee are a
party the register does not know; "within this month" / "trong tháng này" is due at the end of
the directive's own month. The past-report exclusion of 0012 is narrowed to a "đã" in the
first words of a sentence (an item's own relative past, far into it, is no report): the 0012 form
is retired. Idempotent, like 0003 and 0005 to 0012."""

from django.db import migrations

RETIRED = (
    r"^(?!.*\b(?:yêu\s+cầu|đề\s+nghị|phải|cần|chủ\s+trì)\b)(?:(?!\bnhư\b)[^;])*\bđã\s+(?:được\s+)?"
    r"(?!(?:đề|đặt)\s+ra\b|giao\b|phê\s+duyệt\b|cam\s+kết\b|xác\s+định\b)\w+",
)


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults_retiring

    load_defaults_retiring(apps.get_model, RETIRED)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0012_ninth_pass_rules"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
