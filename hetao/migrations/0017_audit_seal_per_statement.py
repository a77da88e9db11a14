"""The audit chain's sealing trigger fires once per statement, over its transition table, instead
of once per row: the links are the same (each event in id order, chained to the one before), but a
statement that writes thousands of events — a batch import's — reads the chain's head and locks it
once, and appends its links in one INSERT."""

from django.db import migrations

import hetao.audit

SEAL_PER_STATEMENT = r"""
CREATE OR REPLACE FUNCTION hetao_audit_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp
-- The settings hetao_audit_row_digest renders rows under: the digests below are its digests.
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres'
SET extra_float_digits = 1 SET bytea_output = 'hex'
AS $$
DECLARE
    me bigint := pg_current_xact_id()::text::bigint;
    prev bytea;
    link bytea;
    event record;
    pks bigint[] := '{{}}';
    digests bytea[] := '{{}}';
    prevs bytea[] := '{{}}';
    links bytea[] := '{{}}';
BEGIN
    -- hetao_audit_row_digest of each event, computed set-wise from one to_jsonb per row (the same
    -- expression: the row without its key and its NULL columns, as text, hashed).
    FOR event IN
        SELECT (whole ->> TG_ARGV[0])::bigint AS pk,
               sha256(convert_to((fields - ARRAY(SELECT key FROM jsonb_each(fields)
                                                  WHERE jsonb_typeof(value) = 'null'))::text, 'UTF8')) AS digest
          FROM (SELECT whole, whole - TG_ARGV[0] AS fields
                  FROM (SELECT to_jsonb(e) AS whole FROM sealed_rows e) AS rows_json) AS split
         ORDER BY 1
    LOOP
        IF prev IS NULL THEN
            -- As hetao_audit_append: the transaction's first link locks the head row until it commits.
            IF NOT EXISTS (SELECT FROM hetao_auditchainhead WHERE id = 1 AND holder = me) THEN
                INSERT INTO hetao_auditchainhead (id, holder) VALUES (1, me)
                ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder;
            END IF;
            SELECT s.hash INTO prev FROM hetao_auditseal s ORDER BY s.id DESC LIMIT 1;
            prev := coalesce(prev, hetao_audit_genesis());
        END IF;
        link := hetao_audit_link_hash(prev, TG_TABLE_NAME, event.pk, event.digest);
        pks := pks || event.pk;
        digests := digests || event.digest;
        prevs := prevs || prev;
        links := links || link;
        prev := link;
    END LOOP;
    IF prev IS NOT NULL THEN
        INSERT INTO hetao_auditseal (event_table, event_pk, row_digest, prev_hash, hash, sealed_at)
        SELECT TG_TABLE_NAME, pk, digest, prev_hash, hash, clock_timestamp()
          FROM unnest(pks, digests, prevs, links) WITH ORDINALITY AS l(pk, digest, prev_hash, hash, n)
         ORDER BY n;
    END IF;
    RETURN NULL;
END
$$;
"""

SEAL_PER_ROW = r"""
CREATE OR REPLACE FUNCTION hetao_audit_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$
BEGIN
    PERFORM hetao_audit_append(
        TG_TABLE_NAME, (to_jsonb(NEW) ->> TG_ARGV[0])::bigint, hetao_audit_row_digest(NEW, TG_ARGV[0]));
    RETURN NULL;
END
$$;
"""


def _schema(cursor) -> str:
    cursor.execute("SELECT quote_ident(current_schema())")
    return cursor.fetchone()[0]


def _retrigger(schema_editor, template: str) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table, pk_column in sorted(hetao.audit.event_tables().items()):
            if table in existing:
                cursor.execute(
                    template.format(
                        table=connection.ops.quote_name(table), pk_column=hetao.audit._sql_literal(pk_column)
                    )
                )


def per_statement(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SEAL_PER_STATEMENT.replace("{schema}", _schema(cursor)).replace("{{}}", "{}"))
    _retrigger(schema_editor, hetao.audit.SEAL_TRIGGER_SQL)


def per_row(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SEAL_PER_ROW.replace("{schema}", _schema(cursor)))
    _retrigger(schema_editor, hetao.audit.SEAL_ROW_TRIGGER_SQL)


class Migration(migrations.Migration):
    dependencies = [("hetao", "0016_roles_batch_uploads")]

    operations = [migrations.RunPython(per_statement, per_row, elidable=False)]
