import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _fernet_key() -> str:
    from hetao.crypto import generate_key

    return generate_key()


def _production_env(**overrides) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # Only what a production deployment sets itself: nothing of the test settings leaks in.
        if not key.startswith(
            ("DJANGO_", "HETAO_", "SECURE_", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PERSONAL_DATA_")
        )
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hetao.settings",
        DEBUG="off",
        SECRET_KEY=secrets.token_urlsafe(64),
        PERSONAL_DATA_KEYS=_fernet_key(),
        PERSONAL_DATA_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hetao"),
        REDIS_URL=os.environ.get("REDIS_URL", settings.REDIS_URL),
    )
    env.update(overrides)
    return env


def _check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy(_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_a_weak_secret_key():
    result = _check_deploy(_production_env(SECRET_KEY="too-short"))

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]

    result = _check_deploy(env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
