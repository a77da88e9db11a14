"""A travel document number never appears in clear: not in a database dump, an API answer, the logs
or the audit tables; only its last four characters are shown."""

import glob
import logging
import os
import shutil
import subprocess

import pytest
from django.db import connection
from rest_framework.test import APIClient

from customs.services import passage_check
from hetao.services import api_token_create
from tests.zone import people_helpers

CLEAR = "qx-938 4726"
NORMALISED = "QX9384726"


def _pg_dump() -> str:
    candidates = [shutil.which("pg_dump"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    for path in filter(None, candidates):
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        if f" {major}." in version:
            return path
    pytest.fail(f"no pg_dump for PostgreSQL {major}")


@pytest.mark.django_db(transaction=True)
def test_document_number_is_never_stored_or_shown_in_clear(caplog):
    caplog.set_level(logging.DEBUG)
    institution, filer, reviewer, _entry = people_helpers.whitelisted(scopes=["goods", "personnel"])
    person = people_helpers.approved_person(
        institution, filer, reviewer, name_en="Distinct Person", document_number=CLEAR
    )
    assert person.document_last4 == NORMALISED[-4:]
    passage_check(
        checkpoint=people_helpers.checkpoint(),
        document_type=person.document_type,
        document_number=CLEAR,
        actor=people_helpers.customs_officer(),
    )

    _token, secret = api_token_create(owner=filer, name="t", scopes=["people:read"], institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = client.get("/api/v1/people/persons/")
    assert answer.status_code == 200, answer.content
    body = answer.content.decode()
    assert "Distinct Person" in body
    assert NORMALISED[-4:] in body
    for secret_text in (CLEAR, NORMALISED):
        assert secret_text not in body
        assert secret_text not in caplog.text

    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dump = subprocess.run(
        [
            _pg_dump(),
            "-h",
            settings.get("HOST") or "127.0.0.1",
            "-p",
            str(settings.get("PORT") or 5432),
            "-U",
            settings.get("USER") or "postgres",
            "--data-only",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert "Distinct Person" in dump  # the dump does hold the person's row
    for secret_text in (CLEAR, NORMALISED):
        assert secret_text not in dump
        assert secret_text.lower() not in dump.lower()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND (table_name LIKE '%%event%%' OR table_name LIKE 'pghistory%%')"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert tables
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            for (row,) in cursor.fetchall():
                assert NORMALISED not in row.upper().replace("-", "").replace(" ", ""), table
