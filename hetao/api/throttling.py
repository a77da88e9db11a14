"""Per-token (or per-user, or per-address) request rates, counted in the Redis cache.

Each principal has one counter per time window, raised with an atomic Redis INCR: every web
process shares it, concurrent requests cannot both slip under the limit, and a request costs
one round-trip instead of rewriting a list of timestamps.

DRF's throttles run after authentication, so a request with a bad token is answered 401 before
any of them counts it. `AuthFailureThrottle` counts those failures per client address instead
(the middleware `hetao.middleware.AuthFailureThrottleMiddleware` applies it to /api/).
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from hetao.models import ApiToken


def _count_in_window(key: str, duration: int) -> int:
    # The window's counter expires with it; add() is a no-op when another request created it.
    cache.add(key, 0, timeout=duration + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=duration + 1)
        return 1


class PrincipalRateThrottle(SimpleRateThrottle):
    """Rate "principal" for tokens and signed-in users, "anon" for everyone else (DEFAULT_THROTTLE_RATES)."""

    scope = "principal"

    def __init__(self):
        self.wait_seconds = None

    def get_rate(self):
        return None  # chosen per request in allow_request

    def identify(self, request):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if isinstance(request.auth, ApiToken):
            return f"token:{request.auth.pk}", rates.get("principal")
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}", rates.get("principal")
        return f"ip:{self.get_ident(request)}", rates.get("anon")

    def allow_request(self, request, view):
        ident, rate = self.identify(request)
        if rate is None:
            return True
        num_requests, duration = self.parse_rate(rate)
        now = self.timer()
        window = int(now // duration)
        key = self.cache_format % {"scope": self.scope, "ident": f"{ident}:{window}"}
        count = _count_in_window(key, duration)
        if count <= num_requests:
            return True
        self.wait_seconds = max((window + 1) * duration - now, 1)
        return False

    def wait(self):
        return self.wait_seconds


class AuthFailureThrottle:
    """Failed authentications (401 answers) per client address, API_AUTH_FAILURE_THROTTLE_RATE per window.

    Once an address has used up its failures, every request of it that presents a token or no
    credentials waits for the next window (429), valid tokens included: answering a right guess
    differently from a wrong one would let the guessing go on.
    """

    timer = staticmethod(time.time)

    def __init__(self, ident: str):
        self.ident = ident
        rate = getattr(settings, "API_AUTH_FAILURE_THROTTLE_RATE", None)
        self.limit, self.duration = SimpleRateThrottle.parse_rate(None, rate) if rate else (None, None)

    def _key(self, now: float) -> str:
        return f"throttle_auth_failure_{self.ident}:{int(now // self.duration)}"

    def wait(self) -> int | None:
        """Seconds until the address may try again, or None when it may now."""
        if self.limit is None:
            return None
        now = self.timer()
        if (cache.get(self._key(now)) or 0) < self.limit:
            return None
        return max(math.ceil((int(now // self.duration) + 1) * self.duration - now), 1)

    def record_failure(self) -> None:
        if self.limit is not None:
            _count_in_window(self._key(self.timer()), self.duration)
