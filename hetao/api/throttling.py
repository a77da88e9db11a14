"""Per-token (or per-user, or per-address) request rates, counted in the Redis cache."""

from rest_framework.throttling import SimpleRateThrottle

from hetao.models import ApiToken


class PrincipalRateThrottle(SimpleRateThrottle):
    scope = "principal"

    def get_rate(self):
        return None  # rates are chosen per request in allow_request

    def allow_request(self, request, view):
        from rest_framework.settings import api_settings

        rates = api_settings.DEFAULT_THROTTLE_RATES
        if isinstance(request.auth, ApiToken):
            ident, rate = f"token:{request.auth.pk}", rates["principal"]
        elif request.user and request.user.is_authenticated:
            ident, rate = f"user:{request.user.pk}", rates["principal"]
        else:
            ident, rate = f"ip:{self.get_ident(request)}", rates["anon"]
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
