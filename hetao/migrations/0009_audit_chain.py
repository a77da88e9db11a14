"""The audit chain (see hetao.audit): seal tables, the SQL functions, and the triggers on every event table.

Depends on the latest migrations of the apps with event tables (zone, customs) at the time it was
written, so that every event table exists here; the events already in them are sealed table by
table in id order. Event tables added later join the chain after `migrate` (hetao.audit.install_chain).
"""

from django.db import migrations, models

import hetao.audit

# {schema} is the current schema; the functions pin their search_path to it (the sealing trigger runs as the owner).
CHAIN_FUNCTIONS = r"""
CREATE FUNCTION hetao_audit_genesis() RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN decode(repeat('00', 32), 'hex');

CREATE FUNCTION hetao_audit_row_digest(event anyelement, pk_column text) RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
SET extra_float_digits = 1 SET bytea_output = 'hex'
AS $$
DECLARE
    row_json jsonb := to_jsonb(event) - pk_column;
BEGIN
    -- NULL columns are left out: adding a nullable column to an event table keeps old seals valid.
    RETURN sha256(convert_to(
        (row_json - ARRAY(SELECT key FROM jsonb_each(row_json) WHERE jsonb_typeof(value) = 'null'))::text, 'UTF8'));
END
$$;

CREATE FUNCTION hetao_audit_link_hash(prev_hash bytea, event_table text, event_pk bigint, row_digest bytea)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
RETURN sha256(prev_hash || convert_to(event_table || ':' || event_pk::text || ':', 'UTF8') || row_digest);

CREATE FUNCTION hetao_audit_append(sealed_table text, sealed_pk bigint, digest bytea) RETURNS void
LANGUAGE plpgsql SET search_path = {schema}, pg_temp
AS $$
DECLARE
    me bigint := pg_current_xact_id()::text::bigint;
    prev bytea;
BEGIN
    -- One chain for all event tables: "read the last hash, append the next" must not interleave across
    -- transactions, so a transaction's first link locks the head row (an upsert, so REPEATABLE READ
    -- writers get a serialization failure instead of a stale last hash), held until it commits.
    IF NOT EXISTS (SELECT FROM hetao_auditchainhead WHERE id = 1 AND holder = me) THEN
        INSERT INTO hetao_auditchainhead (id, holder) VALUES (1, me)
        ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder;
    END IF;
    SELECT s.hash INTO prev FROM hetao_auditseal s ORDER BY s.id DESC LIMIT 1;
    prev := coalesce(prev, hetao_audit_genesis());
    INSERT INTO hetao_auditseal (event_table, event_pk, row_digest, prev_hash, hash, sealed_at)
    VALUES (sealed_table, sealed_pk, digest, prev, hetao_audit_link_hash(prev, sealed_table, sealed_pk, digest),
            clock_timestamp());
END
$$;

CREATE FUNCTION hetao_audit_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$
BEGIN
    PERFORM hetao_audit_append(
        TG_TABLE_NAME, (to_jsonb(NEW) ->> TG_ARGV[0])::bigint, hetao_audit_row_digest(NEW, TG_ARGV[0]));
    RETURN NULL;
END
$$;

CREATE FUNCTION hetao_audit_seal_events(event_table text, reseal boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SET search_path = {schema}, pg_temp
AS $$
DECLARE
    pk_column text;
    event record;
    sealed bigint := 0;
BEGIN
    SELECT a.attname INTO STRICT pk_column
      FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = event_table::regclass AND i.indisprimary;
    FOR event IN EXECUTE format(
        'SELECT e.%1$I AS pk, hetao_audit_row_digest(e, %2$L) AS digest FROM %3$I e'
        || CASE WHEN reseal THEN '' ELSE ' WHERE NOT EXISTS (SELECT FROM hetao_auditseal s'
                                         ' WHERE s.event_table = %3$L AND s.event_pk = e.%1$I)' END
        || ' ORDER BY e.%1$I', pk_column, pk_column, event_table)
    LOOP
        PERFORM hetao_audit_append(event_table, event.pk, event.digest);
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END
$$;

CREATE FUNCTION hetao_audit_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: TRUNCATE of "%" is refused.', TG_TABLE_NAME;
END
$$;

CREATE FUNCTION hetao_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'The audit chain is append-only: % of "%" is refused.', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER hetao_audit_append_only BEFORE UPDATE OR DELETE ON hetao_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION hetao_audit_refuse_change();
CREATE TRIGGER hetao_audit_no_truncate BEFORE TRUNCATE ON hetao_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION hetao_audit_refuse_truncate();

-- Only the owner (and the SECURITY DEFINER trigger, which runs as the owner) may append links.
REVOKE EXECUTE ON FUNCTION hetao_audit_append(text, bigint, bytea), hetao_audit_seal(),
    hetao_audit_seal_events(text, boolean) FROM PUBLIC;
"""

DROP_CHAIN_FUNCTIONS = """
DROP FUNCTION IF EXISTS hetao_audit_seal() CASCADE;
DROP FUNCTION IF EXISTS hetao_audit_refuse_truncate() CASCADE;
DROP FUNCTION IF EXISTS hetao_audit_refuse_change() CASCADE;
DROP FUNCTION IF EXISTS hetao_audit_seal_events(text, boolean);
DROP FUNCTION IF EXISTS hetao_audit_append(text, bigint, bytea);
DROP FUNCTION IF EXISTS hetao_audit_link_hash(bytea, text, bigint, bytea);
DROP FUNCTION IF EXISTS hetao_audit_row_digest(anyelement, text);
DROP FUNCTION IF EXISTS hetao_audit_genesis();
"""


def create_chain_functions(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        cursor.execute(CHAIN_FUNCTIONS.replace("{schema}", cursor.fetchone()[0]))


def drop_chain_functions(apps, schema_editor):
    schema_editor.execute(DROP_CHAIN_FUNCTIONS)


def install_chain(apps, schema_editor):
    hetao.audit.install_chain(using=schema_editor.connection.alias)

class Migration(migrations.Migration):

    dependencies = [
        ('hetao', '0008_notification_params'),
        ('zone', '0005_step_params_and_text_limits'),
        ('customs', '0003_load_hs2022'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.BigIntegerField(null=True)),
            ],
            options={
                'verbose_name': 'audit chain head',
                'verbose_name_plural': 'audit chain heads',
            },
        ),
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_table', models.CharField(max_length=63)),
                ('event_pk', models.BigIntegerField()),
                ('row_digest', models.BinaryField()),
                ('prev_hash', models.BinaryField()),
                ('hash', models.BinaryField()),
                ('sealed_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'audit seal',
                'verbose_name_plural': 'audit seals',
                'indexes': [models.Index(fields=['event_table', 'event_pk', 'id'], name='auditseal_event')],
            },
        ),
        migrations.RunPython(create_chain_functions, drop_chain_functions, elidable=False),
        migrations.RunPython(install_chain, migrations.RunPython.noop, elidable=False),
    ]
