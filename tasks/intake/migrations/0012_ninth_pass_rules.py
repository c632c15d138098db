"""Load the default rules added by issue 15's ninth pass: "suggested that" and "requesting" as
requests, the Prime Minister "chỉ đạo" an addressee, "the city" / "the province" / "tỉnh ... cần"
as anaphors of the place named before, and who asked before the subject ("Theo yêu cầu của Thủ
tướng, ...", "At the request of ..., ", "in the coming time", "thời gian tới", "To this end,") read past; pronouns and "the minister" before an obligation carry
the agency before; "is also responsible for" as a modal; assessments ("vẫn còn", "chưa thật",
"have not been", "is not really") not drafted. Two exclusions are replaced by narrower forms
and retired: a past report ("... đã ...") no longer takes an item that "chủ trì" or a relative
"đã đề ra" / "đã được giao" for one, and "the dispatch states that ..." now reads past "No." and
a colon, and a participle "assigned by" is no request. Idempotent, like 0003 and 0005 to 0011."""

from django.db import migrations

RETIRED = (
    r"^(?!.*\b(?:yêu\s+cầu|đề\s+nghị|phải|cần)\b)(?:(?!\bnhư\b)[^;])*\bđã\s+(?:được\s+)?\w+",
    r"^(?:the\s+)?(?:official\s+)?(?:dispatch|telegraph|telegram|directive|notice|resolution)\b[^,.;]{0,60}?,?\s+"
    r"(?:clearly\s+)?(?:stat|emphasi[sz]|say|said|note|point)\w*\s(?![^;]*\b(?:request|require|ask|direct|assign|"
    r"instruct|urge|must|shall|should|need)\w*)",
)


def load(apps, schema_editor):
    from tasks.intake.defaults import load_defaults_retiring

    load_defaults_retiring(apps.get_model, RETIRED)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0011_fourth_pass_rules"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
