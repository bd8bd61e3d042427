"""API rate limits (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): per person, per channel key, and
per client address on the sign-in endpoint. Counters live in the default cache, which settings
make shared across processes (Redis or the database) outside development.

Rates are read at each request, not at import, so a changed setting (a test's override) counts.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class _SettingsRate:
    """A fixed-window counter: one cache entry per caller and window, incremented, so a high rate
    costs the same as a low one (DRF's own throttles store a timestamp per request)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view) if self.rate else None
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the entry expired between add and incr: a new window
            self.cache.set(key, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return max(1.0, self.window_end - self.now)


def _is_channel_key(user) -> bool:
    return bool(getattr(user, "is_channel_key", False))


class UserThrottle(_SettingsRate, SimpleRateThrottle):
    """A person signed in with a token or a session; channel keys and anonymous callers are
    counted elsewhere."""

    scope = "user"

    def get_cache_key(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or _is_channel_key(user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class ChannelKeyThrottle(_SettingsRate, SimpleRateThrottle):
    """One channel API key (`Authorization: Api-Key ...`): each key has its own allowance."""

    scope = "channel_key"

    def get_cache_key(self, request, view):
        if not _is_channel_key(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.key.pk}


class SignInThrottle(_SettingsRate, AnonRateThrottle):
    """POST /auth/token/ per client address: slows a password spray over many usernames, which
    the per-username lockout alone would not."""

    scope = "sign_in"
