from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The table behind the "database" cache, which serves while Redis is down.
    call_command("createcachetable", "--database", schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS cache_fallback")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
