"""The benchmark database: a dedicated database, its schema, a partner token and bulk-loaded sites."""

import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# Site rows are spread like the zone: most in the Shenzhen park, most of them buildings.
PARKS = {
    # code: (jurisdiction, area in km², (English, 简体, 繁體 names), address)
    "SZ": ("mainland", "3.02", ("Shenzhen Park", "深圳园区", "深圳園區"), "Hetao Road, Futian, Shenzhen"),
    "HK": ("hksar", "0.87", ("Hong Kong Park", "香港园区", "香港園區"), "Lok Ma Chau Loop, Hong Kong"),
}
PARK_SHARES = [("SZ", 0.78), ("HK", 0.22)]
KIND_SHARES = [("building", 0.60), ("industrial_park", 0.25), ("facility", 0.15)]
FIELDS = [
    ("Quantum", "量子"),
    ("Biomedicine", "生物医药"),
    ("Artificial Intelligence", "人工智能"),
    ("Data Science", "数据科学"),
    ("New Energy", "新能源"),
    ("Advanced Manufacturing", "先进制造"),
    ("Digital Economy", "数字经济"),
    ("Information Technology", "信息技术"),
]
PLACES = [
    ("Research Building", "研究楼", "研究樓"),
    ("Innovation Centre", "创新中心", "創新中心"),
    ("Laboratory", "实验室", "實驗室"),
    ("Incubator", "孵化器", "孵化器"),
]
SITE_COLUMNS = ["park_id", "code", "kind", "floor_area_m2", "address", "name_en", "name_zh_hans", "name_zh_hant"]


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hetao"


def bench_database_url(url: str) -> str:
    """The URL of the database the benchmark may empty and fill.

    A database whose name does not say "bench" is never touched: the benchmark uses
    `<name>_bench` on the same server instead, so pointing it at a working database is harmless.
    """
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "hetao"
    if "bench" not in name:
        name = f"{name}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    """Create the database of `url` on its server if it does not exist yet."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Fixture:
    """What the measurements need to know about the loaded data."""

    token_secret: str
    park_ids: dict[str, int]


def prepare_schema_and_principal() -> Fixture:
    """Migrate, empty the site table, create the parks and a partner's bearer token."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from hetao import services
    from hetao.audit import TRUNCATE_GUARD
    from hetao.models import User
    from zone import services as zone_services
    from zone.models import Institution, Park

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic(), connection.cursor() as cursor:
        # Other tables may reference sites; in the benchmark's own database they go too. The audit
        # trail refuses TRUNCATE: the benchmark's database lifts the guard for this statement only
        # (its audit chain is not one anybody verifies).
        cursor.execute(f"ALTER TABLE zone_siteevent DISABLE TRIGGER {TRUNCATE_GUARD}")
        cursor.execute("TRUNCATE zone_site, zone_siteevent RESTART IDENTITY CASCADE")
        cursor.execute(f"ALTER TABLE zone_siteevent ENABLE TRIGGER {TRUNCATE_GUARD}")

    park_ids = {}
    for code, (jurisdiction, area, (name_en, name_hans, name_hant), _address) in PARKS.items():
        park, _ = Park.objects.get_or_create(
            code=code,
            defaults={
                "jurisdiction": jurisdiction,
                "area_km2": area,
                "name_en": name_en,
                "name_zh_hans": name_hans,
                "name_zh_hant": name_hant,
            },
        )
        park_ids[code] = park.pk

    # The typical caller: a partner system's token, bound to its institution.
    institution, _ = Institution.objects.get_or_create(
        registration_type=Institution.RegistrationType.HK_BR,
        registration_no="90000001",
        defaults={
            "kind": Institution.Kind.LABORATORY,
            "jurisdiction": "hksar",
            "name_en": "Benchmark Laboratory",
        },
    )
    user = User.objects.filter(username="bench-partner").first()
    if user is None:
        user = services.user_create(username="bench-partner", email="bench-partner@example.org", password=None)
    zone_services.membership_set(user=user, institution=institution, role="viewer")
    _token, secret = services.api_token_create(
        owner=user, name="benchmark", scopes=["whitelist:read"], institution=institution
    )
    return Fixture(token_secret=secret, park_ids=park_ids)


class SiteGenerator:
    """Deterministic synthetic sites; codes are random so their order is unrelated to insertion."""

    def __init__(self, *, seed: int, total: int, park_ids: dict[str, int]):
        self.rng = random.Random(seed)
        self.numbers = self.rng.sample(range(10_000_000, 100_000_000), total)
        self.park_ids = park_ids
        self.generated = 0

    def _pick(self, shares):
        draw = self.rng.random()
        for value, share in shares:
            draw -= share
            if draw < 0:
                return value
        return shares[-1][0]

    def number(self, index: int) -> int:
        """The unique number in the code and names of the index-th site generated."""
        return self.numbers[index]

    def rows(self, count: int):
        rng = self.rng
        for _ in range(count):
            number = self.numbers[self.generated]
            self.generated += 1
            park = self._pick(PARK_SHARES)
            kind = self._pick(KIND_SHARES)
            field_en, field_zh = FIELDS[number % len(FIELDS)]
            place_en, place_hans, place_hant = PLACES[(number // len(FIELDS)) % len(PLACES)]
            yield (
                self.park_ids[park],
                f"{park}-{number}",
                kind,
                f"{rng.uniform(50, 200_000):.2f}",
                f"No. {number % 9000 + 1} {PARKS[park][3]}",
                f"{field_en} {place_en} {number}",
                f"{field_zh}{place_hans} {number}",
                f"{field_zh}{place_hant} {number}",
            )


def load_sites(url: str, generator: SiteGenerator, count: int) -> float:
    """Append `count` sites with COPY; return the seconds the load took, statistics included."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction(), conn.cursor() as cursor:
            # The audit triggers would write one zone_siteevent row per site: synthetic fixtures
            # are not changes anyone made, and a million trigger calls would dominate the load.
            # Disabling them inside the transaction means an interrupted load leaves them on.
            cursor.execute("ALTER TABLE zone_site DISABLE TRIGGER USER")
            # The park foreign key stays checked, but now rather than at commit: ENABLE TRIGGER
            # is refused while deferred checks are still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            copy_sql = sql.SQL("COPY zone_site ({}) FROM STDIN").format(
                sql.SQL(", ").join(map(sql.Identifier, SITE_COLUMNS))
            )
            with cursor.copy(copy_sql) as copy:
                for row in generator.rows(count):
                    copy.write_row(row)
            cursor.execute("ALTER TABLE zone_site ENABLE TRIGGER USER")
        # VACUUM (not only ANALYZE) also sets hint bits and the visibility map now, so the
        # first measured reads do not pay for them, and autovacuum has nothing left to start.
        conn.execute("VACUUM (ANALYZE) zone_site")
    return time.perf_counter() - started


def table_size(url: str) -> dict:
    with psycopg.connect(url) as conn:
        rows, total_bytes = conn.execute(
            "SELECT count(*), pg_total_relation_size('zone_site') FROM zone_site"
        ).fetchone()
    return {"rows": rows, "total_bytes": total_bytes}
