"""The audit chain: event tables refuse TRUNCATE, and every event is sealed into one hash chain, so that
a change made with the triggers disabled is reported by `manage.py audit_verify`."""

import os
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, transaction

from hetao.audit import SEAL_TRIGGER, TRUNCATE_GUARD, chain_triggers, event_tables
from hetao.models import AuditSeal
from hetao.services import api_token_create, api_token_revoke
from tests.conftest import BASE_DIR, _database_url
from tests.factories import InstitutionFactory, ParkFactory, StaffUserFactory
from zone.models import Institution, Park

pytestmark = pytest.mark.django_db


def sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


@contextmanager
def triggers_disabled():
    """What a superuser can do: no trigger fires, neither pghistory's nor the chain's."""
    sql("SET LOCAL session_replication_role = replica")
    yield
    sql("SET LOCAL session_replication_role = DEFAULT")


def audit_verify(*args):
    """Run the command: (exit status, output)."""
    out = StringIO()
    try:
        call_command("audit_verify", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def institution_events():
    return [pk for (pk,) in sql("SELECT pgh_id FROM zone_institutionevent ORDER BY pgh_id")]


def link_of(table, event_id):
    return AuditSeal.objects.filter(event_table=table, event_pk=event_id).latest("id").pk


@pytest.fixture
def records():
    """A few ordinary changes: institutions created, updated and deleted, a token created and revoked."""
    first, second, third = InstitutionFactory(), InstitutionFactory(), InstitutionFactory()
    first.name_en = "Renamed Institute"
    first.save(update_fields=["name_en"])
    Institution.objects.filter(pk=second.pk).update(email="desk@example.org")
    third.delete()
    staff = StaffUserFactory()
    token, _secret = api_token_create(owner=staff, name="Back office", scopes=["whitelist:read"])
    api_token_revoke(token_id=token.pk, actor=staff)


@pytest.mark.parametrize("table", ["zone_institutionevent", "hetao_auditseal"])
def test_truncating_an_event_table_or_the_seal_table_is_refused_and_the_rows_stay(records, table):
    before = sql(f"SELECT count(*) FROM {table}")[0][0]

    with pytest.raises(DatabaseError, match=f'append-only: TRUNCATE of "{table}" is refused'), transaction.atomic():
        sql(f"TRUNCATE {table} CASCADE")

    assert before > 0
    assert sql(f"SELECT count(*) FROM {table}")[0][0] == before


@pytest.mark.parametrize("statement", ["UPDATE hetao_auditseal SET event_pk = 0", "DELETE FROM hetao_auditseal"])
def test_the_seal_table_refuses_updates_and_deletes(records, statement):
    before = list(AuditSeal.objects.values_list("id", "event_pk").order_by("id"))

    with pytest.raises(DatabaseError, match="The audit chain is append-only"), transaction.atomic():
        sql(statement)

    assert list(AuditSeal.objects.values_list("id", "event_pk").order_by("id")) == before


def test_every_event_table_carries_the_truncate_guard_and_the_sealing_trigger():
    triggers = chain_triggers(connection.cursor())

    assert len(event_tables()) >= 12
    for table in event_tables():
        assert triggers.get(table) == {SEAL_TRIGGER: True, TRUNCATE_GUARD: True}, table


def test_after_ordinary_creates_updates_and_deletes_audit_verify_reports_the_chain_intact(records):
    status, output = audit_verify()

    assert status == 0, output
    assert "Intact" in output
    assert table_counts(output)["zone_institutionevent"] == (6, 6)  # 3 inserts, 2 updates, 1 delete
    assert table_counts(output)["hetao_apitokenevent"] == (2, 2)  # created, revoked
    assert AuditSeal.objects.count() == sum(events for events, _links in table_counts(output).values())


def test_audit_verify_names_an_event_edited_with_triggers_disabled(records):
    edited = institution_events()[2]
    with triggers_disabled():
        sql("UPDATE zone_institutionevent SET name_en = 'Forged' WHERE pgh_id = %s", [edited])

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output) == (
        f"link {link_of('zone_institutionevent', edited)}, zone_institutionevent event {edited}: edited"
    )
    assert "expected" in output and "found" in output


def test_audit_verify_names_an_event_deleted_with_triggers_disabled(records):
    deleted = institution_events()[1]
    with triggers_disabled():
        sql("DELETE FROM zone_institutionevent WHERE pgh_id = %s", [deleted])

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output) == (
        f"link {link_of('zone_institutionevent', deleted)}, zone_institutionevent event {deleted}: deleted"
    )


def test_audit_verify_names_two_events_whose_contents_were_swapped(records):
    first, second = institution_events()[:2]
    with triggers_disabled():
        sql("UPDATE zone_institutionevent SET pgh_id = -1 WHERE pgh_id = %s", [first])
        sql("UPDATE zone_institutionevent SET pgh_id = %s WHERE pgh_id = %s", [first, second])
        sql("UPDATE zone_institutionevent SET pgh_id = %s WHERE pgh_id = -1", [second])

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output) == (
        f"link {link_of('zone_institutionevent', first)}, zone_institutionevent event {first}: reordered"
    )
    assert f"the event holds the content sealed for event {second}" in output


def test_audit_verify_names_an_event_whose_id_was_changed(records):
    moved = institution_events()[0]
    with triggers_disabled():
        sql("UPDATE zone_institutionevent SET pgh_id = 99999 WHERE pgh_id = %s", [moved])

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output) == (
        f"link {link_of('zone_institutionevent', moved)}, zone_institutionevent event {moved}: reordered"
    )
    assert f"the event sealed as {moved} is now event 99999" in output


def test_audit_verify_names_an_event_inserted_out_of_the_chain(records):
    with triggers_disabled():
        sql(
            "INSERT INTO zone_institutionevent SELECT (jsonb_populate_record(NULL::zone_institutionevent,"
            """ to_jsonb(e) || '{"pgh_id": 77777, "name_en": "Backdated"}')).*"""
            " FROM zone_institutionevent e ORDER BY pgh_id LIMIT 1"
        )

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output) == "no link, zone_institutionevent event 77777: inserted out of chain"


def test_audit_verify_names_the_link_after_one_removed_from_the_seal_table(records):
    links = list(AuditSeal.objects.order_by("id").values_list("id", flat=True))
    with triggers_disabled():
        sql("DELETE FROM hetao_auditseal WHERE id = %s", [links[3]])

    status, output = audit_verify()

    assert status == 1
    assert first_problem(output).startswith(f"link {links[4]}, ")
    assert first_problem(output).endswith(": link out of order")


def test_a_link_anchored_by_an_earlier_run_must_still_be_there(records):
    _status, output = audit_verify()
    head = next(line.split()[1] for line in output.splitlines() if line.startswith("Head: "))
    last = AuditSeal.objects.latest("id")

    assert audit_verify("--anchor", head)[0] == 0
    # The newest event and its link, removed together, leave a chain that is intact but shorter.
    with triggers_disabled():
        sql(f"DELETE FROM {last.event_table} WHERE pgh_id = %s", [last.event_pk])
        sql("DELETE FROM hetao_auditseal WHERE id = %s", [last.pk])
    assert audit_verify()[0] == 0
    status, output = audit_verify("--anchor", head)
    assert status == 1
    assert first_problem(output) == f"link {last.pk}, hetao_auditseal: anchor"


def test_audit_verify_checks_one_table_when_asked(records):
    with triggers_disabled():
        sql("UPDATE hetao_apitokenevent SET name = 'Forged'")

    status, output = audit_verify("--table", "zone_institutionevent")

    assert status == 0, output
    assert list(table_counts(output)) == ["zone_institutionevent"]
    assert audit_verify("--table", "hetao_apitokenevent")[0] == 1


def test_adding_a_nullable_column_keeps_the_links_valid_and_dropping_one_needs_a_reseal(records):
    sql("ALTER TABLE zone_institutionevent ADD COLUMN note text")
    assert audit_verify()[0] == 0

    sql("ALTER TABLE zone_institutionevent DROP COLUMN name_zh_hant")
    status, output = audit_verify()
    assert status == 1
    assert first_problem(output).endswith(": edited")

    links = AuditSeal.objects.count()
    sql("SELECT hetao_audit_seal_events('zone_institutionevent', reseal => true)")
    assert audit_verify()[0] == 0
    assert AuditSeal.objects.count() == links + 6  # the old links stay; each event has a new one


def test_an_event_table_without_the_triggers_gets_them_and_its_events_are_sealed_after_migrate():
    sql(f"DROP TRIGGER {SEAL_TRIGGER} ON zone_parkevent")
    sql(f"DROP TRIGGER {TRUNCATE_GUARD} ON zone_parkevent")
    park = ParkFactory(code="NEW")
    Park.objects.filter(pk=park.pk).update(name_en="Renamed park")
    assert not AuditSeal.objects.filter(event_table="zone_parkevent").exists()

    emit_post_migrate_signal(0, False, connection.alias)

    assert chain_triggers(connection.cursor())["zone_parkevent"] == {SEAL_TRIGGER: True, TRUNCATE_GUARD: True}
    sealed = list(AuditSeal.objects.filter(event_table="zone_parkevent").order_by("id").values_list("event_pk"))
    assert sealed == sql("SELECT pgh_id FROM zone_parkevent ORDER BY pgh_id")
    assert audit_verify()[0] == 0


def test_a_lost_trigger_is_restored_but_events_written_meanwhile_stay_unsealed(records):
    sql(f"DROP TRIGGER {SEAL_TRIGGER} ON zone_institutionevent")
    unsealed = InstitutionFactory()

    emit_post_migrate_signal(0, False, connection.alias)

    assert chain_triggers(connection.cursor())["zone_institutionevent"][SEAL_TRIGGER] is True
    status, output = audit_verify()
    assert status == 1
    event = sql("SELECT pgh_id FROM zone_institutionevent WHERE pgh_obj_id = %s", [unsealed.pk])[0][0]
    assert first_problem(output) == f"no link, zone_institutionevent event {event}: inserted out of chain"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain():
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def write(prefix):
        try:
            with transaction.atomic():
                Park.objects.exists()  # both transactions have begun before either writes
                barrier.wait()
                for i in range(150):
                    Park.objects.create(code=f"{prefix}{i:03d}", name_en="Park", jurisdiction="mainland", area_km2=1)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(prefix,)) for prefix in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditSeal.objects.filter(event_table="zone_parkevent").count() == 300
    followed = Counter(bytes(h).hex() for h in AuditSeal.objects.values_list("prev_hash", flat=True))
    assert [link for link, count in followed.items() if count > 1] == []  # no fork
    status, output = audit_verify()
    assert status == 0, output


@pytest.mark.django_db(transaction=True)
def test_audit_verify_exits_with_status_0_when_intact_and_1_when_broken():
    InstitutionFactory()
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}

    def run():
        command = [sys.executable, "manage.py", "audit_verify"]
        return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)

    intact = run()
    with transaction.atomic(), triggers_disabled():
        sql("UPDATE zone_institutionevent SET email = 'forged@example.org'")
    broken = run()

    assert (intact.returncode, broken.returncode) == (0, 1), (intact.stdout, broken.stdout)
    assert "Intact" in intact.stdout
    assert "BROKEN" in broken.stdout
    assert "The audit chain is broken." in broken.stderr


def table_counts(output) -> dict[str, tuple[int, int]]:
    """The command's table of events and links per event table."""
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].endswith("event") and parts[1].replace(",", "").isdigit():
            counts[parts[0]] = (int(parts[1].replace(",", "")), int(parts[2].replace(",", "")))
    return counts


def first_problem(output) -> str:
    """Where and what the first problem is, e.g. "link 7, zone_institutionevent event 3: edited"."""
    lines = output.splitlines()
    line = lines[next(i for i, line in enumerate(lines) if line.startswith("BROKEN")) + 1]
    return line.strip().split(" — ")[0]
