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
    events refcursor;
    event_pk bigint;
    event_digest bytea;
    pks bigint[] := '{{}}';
    digests bytea[] := '{{}}';
    prevs bytea[] := '{{}}';
    links bytea[] := '{{}}';
    query text;
    null_columns text;
    bulk_events CONSTANT integer := 32;
BEGIN
    -- hetao_audit_row_digest of each event. A statement of many events (a batch import's) computes
    -- it set-wise: the row without its key and its NULL columns, found by an IS NULL test per column
    -- rather than by expanding each row's JSON, as text, hashed: the same digest in half the time.
    -- A statement of a few events takes the function itself (no catalogue read, no dynamic SQL).
    IF (SELECT count(*) FROM sealed_rows) < bulk_events THEN
        OPEN events FOR SELECT (to_jsonb(e) ->> TG_ARGV[0])::bigint, hetao_audit_row_digest(e, TG_ARGV[0])
                          FROM sealed_rows e ORDER BY 1;
    ELSE
        SELECT string_agg(format('CASE WHEN e.%1$I IS NULL%2$s THEN %1$L END', a.attname,
                                 CASE WHEN a.atttypid IN ('jsonb'::regtype, 'json'::regtype)
                                      THEN format(' OR jsonb_typeof(e.%I::jsonb) = %L', a.attname, 'null')
                                      ELSE '' END),
                          ', ' ORDER BY a.attnum)
          INTO null_columns
          FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
        query := format(
            'SELECT e.%1$I::bigint AS pk, sha256(convert_to((to_jsonb(e) - (ARRAY[%1$L] '
            '|| array_remove(ARRAY[%2$s]::text[], NULL)))::text, %3$L)) AS digest FROM sealed_rows e ORDER BY 1',
            TG_ARGV[0], null_columns, 'UTF8');
        OPEN events FOR EXECUTE query;
    END IF;
    LOOP
        FETCH events INTO event_pk, event_digest;
        EXIT WHEN NOT FOUND;
        IF prev IS NULL THEN
            -- As hetao_audit_append: the transaction's first link locks the head row until it commits.
            IF NOT EXISTS (SELECT FROM hetao_auditchainhead WHERE id = 1 AND holder = me) THEN
                INSERT INTO hetao_auditchainhead (id, holder) VALUES (1, me)
                ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder;
            END IF;
            SELECT s.hash INTO prev FROM hetao_auditseal s ORDER BY s.id DESC LIMIT 1;
            prev := coalesce(prev, hetao_audit_genesis());
        END IF;
        link := hetao_audit_link_hash(prev, TG_TABLE_NAME, event_pk, event_digest);
        pks := pks || event_pk;
        digests := digests || event_digest;
        prevs := prevs || prev;
        links := links || link;
        prev := link;
    END LOOP;
    CLOSE events;
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
