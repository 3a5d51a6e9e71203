"""Bounded retries with exponential backoff for the statuses that say "try again later"
(UNAVAILABLE: not reachable, loading, draining; RESOURCE_EXHAUSTED: at capacity)."""
import random
from dataclasses import dataclass, field
from typing import FrozenSet

import grpc

RETRYABLE: FrozenSet[grpc.StatusCode] = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})


@dataclass(frozen=True)
class RetryPolicy:
    """How a call is retried.

    max_attempts: calls made in all, the first included (1 = no retries).
    initial_backoff / max_backoff: seconds before the second call, and the cap on the wait.
    multiplier: each wait is the previous one times this.
    jitter: each wait is scaled by a random factor in [1 - jitter, 1 + jitter], so that many
        clients refused together do not come back together.
    retry_on: the status codes retried.

    Retries stay within the call's timeout: a retry that would start after it is not made, and
    the last error is raised.
    Every method is safe to repeat (registering is idempotent, a Segment changes nothing).
    """

    max_attempts: int = 4
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.2
    retry_on: FrozenSet[grpc.StatusCode] = field(default_factory=lambda: RETRYABLE)

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be an int >= 1, got %r" %
                             (self.max_attempts,))
        if self.initial_backoff < 0 or self.max_backoff < 0:
            raise ValueError("RetryPolicy backoffs must be >= 0")
        if self.multiplier < 1:
            raise ValueError("RetryPolicy.multiplier must be >= 1, got %r" % (self.multiplier,))
        if not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy.jitter must be in [0, 1], got %r" % (self.jitter,))
        object.__setattr__(self, "retry_on", frozenset(self.retry_on))

    def should_retry(self, code: grpc.StatusCode, attempt: int) -> bool:
        """Whether call number `attempt` (1-based), which failed with `code`, is retried."""
        return code in self.retry_on and attempt < self.max_attempts

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed call number `attempt` (1-based)."""
        base = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)


NO_RETRIES = RetryPolicy(max_attempts=1)
