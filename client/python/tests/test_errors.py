"""Each error class produced for real by the server (or the network), the server's message
carried, and the retries: bounded, with backoff, and only for UNAVAILABLE and RESOURCE_EXHAUSTED."""
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FAST, MAX_DECODED_PIXELS, RunningServer, nowhere, wait_in_flight

import itaclip_client as ic

# voc21's sliding window with a stride of 14 and PAMR: dozens of crops, seconds on the tiny model
# with one thread; long enough to be in flight while other calls are made.
SLOW = {"stride": 14}


def test_error_classes() -> None:
    for cls in (ic.InvalidArgument, ic.NotFound, ic.ResourceExhausted, ic.Unavailable,
                ic.DeadlineExceeded, ic.Unauthenticated):
        assert issubclass(cls, ic.ItaclipError)
    assert issubclass(ic.InvalidArgument, ValueError)


def test_not_found(client: ic.Client, image_path: Path) -> None:
    unknown = "voc-0123456789abcdef0123456789abcdef"
    with pytest.raises(ic.NotFound) as e:
        client.segment(image_path, unknown, **FAST)
    assert unknown in e.value.message and e.value.code.name == "NOT_FOUND"
    assert e.value.request_id  # the server's id of the failed call
    assert unknown in str(e.value)


def test_deadline_exceeded(client: ic.Client, image_path: Path) -> None:
    vid = client.register_vocabulary(["cat", "dog"])
    start = time.monotonic()
    with pytest.raises(ic.DeadlineExceeded):
        client.segment(image_path, vid, timeout=0.3, **SLOW)
    assert time.monotonic() - start < 5
    with pytest.raises(ValueError, match="timeout"):
        client.segment(image_path, vid, timeout=0)


def test_unavailable_is_retried_with_backoff_then_raised(work: Path) -> None:
    target = nowhere(work)
    with ic.Client(target, retry=ic.NO_RETRIES) as c:
        start = time.monotonic()
        with pytest.raises(ic.Unavailable):
            c.health()
        with pytest.raises(ic.Unavailable) as e:
            c.register_vocabulary(["cat"])
        assert e.value.message
        once = time.monotonic() - start
    policy = ic.RetryPolicy(max_attempts=4, initial_backoff=0.2, multiplier=2, jitter=0)
    with ic.Client(target, retry=policy) as c:
        start = time.monotonic()
        with pytest.raises(ic.Unavailable):
            c.register_vocabulary(["cat"])
        waited = time.monotonic() - start
    # Three waits: 0.2 + 0.4 + 0.8 s.
    assert 1.4 <= waited < 1.4 + once + 3
    # Retries stop at the call's timeout.
    with ic.Client(target, retry=ic.RetryPolicy(max_attempts=100, initial_backoff=0.2,
                                                max_backoff=0.2, jitter=0), timeout=1) as c:
        start = time.monotonic()
        with pytest.raises(ic.Unavailable):
            c.register_vocabulary(["cat"])
        assert time.monotonic() - start < 2


def test_unavailable_from_a_draining_server_counts_the_attempts(work: Path,
                                                                image_path: Path) -> None:
    """SIGTERM with a call in flight: the server drains, and every new call is UNAVAILABLE. The
    client makes exactly max_attempts calls, which the server's log counts."""
    s = RunningServer(work, "draining_server", ["--skip_warmup", "true",
                                                "--drain_grace_seconds", "60"])
    try:
        s.wait_serving()
        with ic.Client(s.address, timeout=120) as c:
            vid = c.register_vocabulary(["cat", "dog"])
            results = []
            slow = threading.Thread(
                target=lambda: results.append(c.segment(image_path, vid, **SLOW)))
            slow.start()
            wait_in_flight(s)
            s.server.process.send_signal(15)
            s.server.wait_for_event("draining")
            policy = ic.RetryPolicy(max_attempts=3, initial_backoff=0.05, jitter=0)
            with ic.Client(s.address, retry=policy, timeout=30) as other:
                with pytest.raises(ic.Unavailable) as e:
                    other.list_vocabularies()
            assert e.value.message
            slow.join()
            assert len(results) == 1  # the call in flight finished during the drain
        events = [e for e in s.rpc_events() if e.get("method") == "ListVocabularies"]
        assert [e.get("code") for e in events] == ["UNAVAILABLE"] * 3
    finally:
        s.stop()


def test_resource_exhausted_over_a_limit(limited_server: RunningServer, image_path: Path) -> None:
    with ic.Client(limited_server.address, timeout=120, retry=ic.NO_RETRIES) as c:
        vid = c.register_vocabulary(["cat", "dog"])
        c.segment(image_path, vid, **FAST)  # 513x513 is under the limit
        big = np.zeros((600, 600, 3), np.uint8)
        assert 600 * 600 > MAX_DECODED_PIXELS
        with pytest.raises(ic.ResourceExhausted) as e:
            c.segment(big, vid, **FAST)
        assert "max_decoded_pixels" in e.value.message


def test_resource_exhausted_at_capacity_then_retried(limited_server: RunningServer,
                                                     image_path: Path) -> None:
    """max_pending_requests = 1: with one call in flight a second is refused at once; with retries
    it gets through once the first is answered."""
    with ic.Client(limited_server.address, timeout=120) as c:
        vid = c.register_vocabulary(["cat", "dog"])

        results = []
        slow = threading.Thread(
            target=lambda: results.append(c.segment(image_path, vid, **SLOW)))
        slow.start()
        wait_in_flight(limited_server)
        with ic.Client(limited_server.address, retry=ic.NO_RETRIES) as once:
            with pytest.raises(ic.ResourceExhausted) as e:
                once.segment(image_path, vid, **FAST)
        assert "max_pending_requests=1" in e.value.message
        before = len([e for e in limited_server.rpc_events()
                      if e.get("code") == "RESOURCE_EXHAUSTED"])
        patient = ic.RetryPolicy(max_attempts=200, initial_backoff=0.05, max_backoff=0.2)
        with ic.Client(limited_server.address, retry=patient, timeout=120) as retrying:
            seg = retrying.segment(image_path, vid, **FAST)
        slow.join()
        assert len(results) == 1 and seg.labels.shape == (513, 513)
        refused = len([e for e in limited_server.rpc_events()
                       if e.get("code") == "RESOURCE_EXHAUSTED"]) - before
        assert refused >= 1  # it was refused, then retried until admitted


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError):
        ic.RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        ic.RetryPolicy(jitter=2)
    with pytest.raises(ValueError):
        ic.RetryPolicy(multiplier=0.5)
    p = ic.RetryPolicy(initial_backoff=1, max_backoff=3, multiplier=2, jitter=0)
    assert [p.backoff(a) for a in (1, 2, 3, 4)] == [1, 2, 3, 3]
    import grpc
    assert not p.should_retry(grpc.StatusCode.INVALID_ARGUMENT, 1)
    assert p.should_retry(grpc.StatusCode.UNAVAILABLE, 3)
    assert not p.should_retry(grpc.StatusCode.UNAVAILABLE, 4)
