"""Limits on signing in.

Attempts are counted in Redis *before* the password is checked (a reservation, given back when the
password is right), so a burst of concurrent guesses cannot all slip under the limit. Each address also
has a budget of attempts per minute, and the process checks only a few passwords at once: argon2 is
costly on purpose, and a burst must not take every worker thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from fastapi import HTTPException
from redis import Redis
from redis.exceptions import RedisError

from storage.users import password_matches

# Wrong passwords allowed per address and username before sign-in pauses for the window.
FAILURES_ALLOWED = 5
FAILURE_WINDOW_S = 300
# Attempts, right or wrong, per address and minute.
ATTEMPTS_PER_MINUTE = 30
CONCURRENT_CHECKS = 4
CHECK_WAIT_S = 10.0


class SignInAttempt:
    def __init__(self, redis: Redis | None, failures_key: str) -> None:
        self.redis = redis
        self.failures_key = failures_key

    def succeeded(self) -> None:
        """A right password: its reserved failure slot is given back."""
        if self.redis is None:
            return
        with suppress(RedisError):
            self.redis.decr(self.failures_key)


@contextmanager
def sign_in_attempt(redis: Redis, address: str, username: str) -> Iterator[SignInAttempt]:
    """429 when this address and username are paused, or the address is over its budget."""
    failures_key = f"callrec:sign-in-failures:{address}:{username}"
    rate_key = f"callrec:sign-in-rate:{address}:{int(time.time() // 60)}"
    try:
        with redis.pipeline() as pipe:
            # SET NX starts the window on the first failure only; INCR reserves this attempt's slot.
            pipe.set(failures_key, 0, ex=FAILURE_WINDOW_S, nx=True)
            pipe.incr(failures_key)
            pipe.set(rate_key, 0, ex=120, nx=True)
            pipe.incr(rate_key)
            _, failures, _, attempts = pipe.execute()
    except RedisError:
        yield SignInAttempt(None, failures_key)  # the limiter needs Redis; sign-in itself does not
        return
    if failures > FAILURES_ALLOWED:
        raise HTTPException(429, f"too many wrong passwords; try again in {FAILURE_WINDOW_S // 60} minutes")
    if attempts > ATTEMPTS_PER_MINUTE:
        raise HTTPException(429, "too many sign-in attempts from this address; try again in a minute")
    yield SignInAttempt(redis, failures_key)


class PasswordChecks:
    """At most `concurrent` argon2 checks at once in this process; others wait a little, then 503."""

    def __init__(self, concurrent: int, wait_s: float) -> None:
        self.slots = threading.BoundedSemaphore(concurrent)
        self.wait_s = wait_s

    def check(self, password_hash: str, password: str) -> bool:
        if not self.slots.acquire(timeout=self.wait_s):
            raise HTTPException(
                503, "too many sign-ins at once; try again shortly", headers={"Retry-After": "5"}
            )
        try:
            return password_matches(password_hash, password)
        finally:
            self.slots.release()


password_checks = PasswordChecks(CONCURRENT_CHECKS, CHECK_WAIT_S)
