"""The intake app takes over its rules and gazetteer from the tasks app, tables and rows included.

State only (``SeparateDatabaseAndState``): the tables ``tasks_agencyalias``, ``tasks_clausecue``
... already exist (created by ``tasks/0002`` and filled by ``tasks/0003``), and the models keep
them by ``db_table``. The content types (and so the admin permissions given to groups) are
renamed from ``tasks`` to ``intake`` rather than left stale beside new ones.
"""

import django.db.models.deletion
import tasks.intake.models
from django.db import migrations, models


MODELS = ["agencyalias", "agencygroup", "clausecue", "deadlinepattern", "recurrencepattern", "resultpattern"]


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="tasks", model__in=MODELS).update(app_label="intake")


def move_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="intake", model__in=MODELS).update(app_label="tasks")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0002_official_calendar_token'),
        ('tasks', '0008_intake_models_to_intake_app'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ClauseCue',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('action_verb', 'Action verb: a clause starting with it is a task'), ('modal', 'Modal after the subject (shall, must, will)'), ('request', 'Request: the agencies after it are the addressees (requires, yêu cầu)'), ('lead', 'Lead marker after an agency (chủ trì)'), ('coordination', 'Coordination: agencies after it coordinate (coordinate with)'), ('discourse', 'Lead-in words skipped at the start of a clause (At the same time)'), ('vague_party', 'A party that names nobody (relevant agencies)'), ('exclude', 'Exclusion: a clause matching it is not a task')], max_length=16, verbose_name='kind')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('phrase', models.CharField(max_length=255, validators=[tasks.intake.models.validate_regex], verbose_name='phrase (regular expression)')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'clause cue',
                        'verbose_name_plural': 'clause cues',
                        'db_table': 'tasks_clausecue',
                        'ordering': ['language', 'kind', 'phrase'],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'language', 'phrase'), name='intake_cue_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='DeadlinePattern',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('regex', models.TextField(validators=[tasks.intake.models.validate_regex], verbose_name='regular expression')),
                        ('example', models.CharField(blank=True, max_length=255, verbose_name='example')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('priority', models.PositiveSmallIntegerField(default=100, help_text='Lower wins when two patterns match the same words.', verbose_name='priority')),
                        ('resolution', models.CharField(choices=[('exact_date', 'Exact date (day, month, year)'), ('end_of_month', 'End of the month'), ('end_of_quarter', 'End of the quarter'), ('end_of_year', 'End of the year'), ('named_session', 'Named session (its month, or a fixed date)'), ('no_date', 'Relative wording with no date (urgently, promptly)')], max_length=20, verbose_name='resolution')),
                        ('offset_days', models.SmallIntegerField(default=0, verbose_name='offset (days)')),
                        ('fixed_date', models.DateField(blank=True, help_text='For a named session whose text has no month.', null=True, verbose_name='fixed date')),
                    ],
                    options={
                        'verbose_name': 'deadline pattern',
                        'verbose_name_plural': 'deadline patterns',
                        'db_table': 'tasks_deadlinepattern',
                        'ordering': ['language', 'priority', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('name', 'language'), name='intake_deadline_name_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='RecurrencePattern',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('regex', models.TextField(validators=[tasks.intake.models.validate_regex], verbose_name='regular expression')),
                        ('example', models.CharField(blank=True, max_length=255, verbose_name='example')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('recurrence', models.CharField(choices=[('weekly', 'Weekly'), ('monthly', 'Monthly'), ('quarterly', 'Quarterly'), ('yearly', 'Yearly')], max_length=16, verbose_name='recurrence')),
                    ],
                    options={
                        'verbose_name': 'recurrence pattern',
                        'verbose_name_plural': 'recurrence patterns',
                        'db_table': 'tasks_recurrencepattern',
                        'ordering': ['language', 'recurrence', 'regex'],
                        'constraints': [models.UniqueConstraint(fields=('regex', 'language'), name='intake_recurrence_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='ResultPattern',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('regex', models.TextField(validators=[tasks.intake.models.validate_regex], verbose_name='regular expression')),
                        ('example', models.CharField(blank=True, max_length=255, verbose_name='example')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('priority', models.PositiveSmallIntegerField(default=100, help_text='Lower wins when two patterns match the same words.', verbose_name='priority')),
                        ('case_sensitive', models.BooleanField(default=False, verbose_name='case sensitive')),
                        ('result_kind', models.CharField(choices=[('deliverable', 'Deliverable'), ('indicator', 'Indicator with a target')], max_length=16, verbose_name='kind of result')),
                        ('unit', models.CharField(blank=True, max_length=64, verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'result pattern',
                        'verbose_name_plural': 'result patterns',
                        'db_table': 'tasks_resultpattern',
                        'ordering': ['language', 'priority', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('name', 'language'), name='intake_result_name_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='AgencyAlias',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('alias', models.CharField(max_length=255, verbose_name='alias')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='intake_aliases', to='agencies.agency', verbose_name='agency')),
                    ],
                    options={
                        'verbose_name': 'agency alias',
                        'verbose_name_plural': 'agency aliases',
                        'db_table': 'tasks_agencyalias',
                        'ordering': ['agency__code', 'alias'],
                        'constraints': [models.UniqueConstraint(fields=('agency', 'alias'), name='intake_alias_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='AgencyGroup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phrase', models.CharField(max_length=255, verbose_name='phrase')),
                        ('language', models.CharField(choices=[('vi', 'Vietnamese'), ('en', 'English')], max_length=2, verbose_name='language')),
                        ('kinds', models.JSONField(blank=True, default=list, help_text='Agency kinds whose active agencies are members, e.g. ["province", "city"].', validators=[tasks.intake.models.validate_kinds], verbose_name='member kinds')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('members', models.ManyToManyField(blank=True, related_name='+', to='agencies.agency', verbose_name='explicit members')),
                    ],
                    options={
                        'verbose_name': 'agency group',
                        'verbose_name_plural': 'agency groups',
                        'db_table': 'tasks_agencygroup',
                        'ordering': ['language', 'phrase'],
                        'constraints': [models.UniqueConstraint(fields=('phrase', 'language'), name='intake_group_phrase_unique')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
