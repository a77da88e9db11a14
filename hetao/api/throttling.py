"""Per-token (or per-user, or per-address) request rates, counted in the Redis cache.

Each principal has one counter per time window, raised with an atomic Redis INCR: every web
process shares it, concurrent requests cannot both slip under the limit, and a request costs
one round-trip instead of rewriting a list of timestamps.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from hetao.models import ApiToken


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
        # The window's counter expires with it; add() is a no-op when another request created it.
        self.cache.add(key, 0, timeout=duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add() and incr()
            self.cache.add(key, 1, timeout=duration + 1)
            count = 1
        if count <= num_requests:
            return True
        self.wait_seconds = max((window + 1) * duration - now, 1)
        return False

    def wait(self):
        return self.wait_seconds
