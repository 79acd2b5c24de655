"""Stage and route throttling as an HTTP API applies it: a token bucket per route, 429 when empty.

API Gateway "throttles requests to your API using the token bucket algorithm, where a token counts
for a request"; the burst is "the maximum bucket size" and the rate the steady-state refill per
second; past them "API Gateway fails the limit-exceeding requests and returns `429 Too Many
Requests`" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
The answer is HTTP APIs' own error shape, `{"message":"Too Many Requests"}` (errors.py).

Which limits apply: a route's `RouteSettings` entry over the stage's `DefaultRouteSettings`, each
value on its own, and the account-level limits per Region (10,000 requests per second, burst
5,000: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html) where neither
sets one. The stage default is a *per-route* default, as REST APIs' default method throttling is
per method ("Default per-method limits and individual per-method limits ... in API stage
settings"): each route has a bucket of its own. The account-wide bucket shared with other APIs
is not emulated.

Where in the pipeline: after the route is matched (a route's limits need its key; a request that
matches no route is answered 404 without a token) and before authorization, so a flood of
unsigned or wrongly signed requests drains the bucket as signed ones do. AWS does not document
the order for HTTP APIs; throttling exists to shield what lies behind it, authorizers included,
and this is the stricter reading for a client: every request it sends counts, refused or not.

Tokens are taken under a lock (the server answers each connection on its own thread) and never
go below zero; the clock is injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scribe_local.emulator.gateway.errors import TooManyRequests

Clock = Callable[[], float]


@dataclass(frozen=True)
class Throttle:
    """A route's limits: burst (bucket size, requests) and rate (refill, requests per second)."""

    burst_limit: int
    rate_limit: float

    def over(self, settings: Mapping[str, Any] | None) -> Throttle:
        """These limits with the ones a stage's or route's settings set put over them."""
        settings = settings or {}
        return Throttle(
            int(settings.get("ThrottlingBurstLimit", self.burst_limit)),
            float(settings.get("ThrottlingRateLimit", self.rate_limit)),
        )


ACCOUNT_THROTTLE = Throttle(burst_limit=5000, rate_limit=10000.0)  # per account, per Region


def route_throttles(stage: Mapping[str, Any], route_keys: Iterable[str]) -> dict[str, Throttle]:
    """Each route's limits from a GetStages item: RouteSettings over DefaultRouteSettings over the
    account's."""
    default = ACCOUNT_THROTTLE.over(stage.get("DefaultRouteSettings"))
    per_route = stage.get("RouteSettings") or {}
    return {key: default.over(per_route.get(key)) for key in route_keys}


class TokenBucket:
    """Starts full (burst tokens); refills at rate per second up to burst; a request takes one."""

    def __init__(self, throttle: Throttle, clock: Clock = time.monotonic) -> None:
        self.throttle = throttle
        self._clock = clock
        self._tokens = float(throttle.burst_limit)
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take a token if one is there; False (and nothing taken) when the bucket is empty."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._last)  # a clock that steps back refills nothing
            self._last = now
            self._tokens = min(
                float(self.throttle.burst_limit), self._tokens + elapsed * self.throttle.rate_limit
            )
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True

    @property
    def tokens(self) -> float:
        with self._lock:
            return self._tokens


class Throttler:
    """One bucket per route key; `admit` raises TooManyRequests when the route's bucket is empty."""

    def __init__(
        self,
        throttles: Mapping[str, Throttle],
        default: Throttle = ACCOUNT_THROTTLE,
        clock: Clock = time.monotonic,
    ) -> None:
        self._default = default
        self._clock = clock
        self._buckets = {key: TokenBucket(t, clock) for key, t in throttles.items()}
        self._lock = threading.Lock()

    def bucket(self, route_key: str) -> TokenBucket:
        with self._lock:
            if route_key not in self._buckets:  # a route the stage's settings did not list
                self._buckets[route_key] = TokenBucket(self._default, self._clock)
            return self._buckets[route_key]

    def admit(self, route_key: str) -> None:
        if not self.bucket(route_key).take():
            raise TooManyRequests
