"""16 concurrent segment() calls from threads (one Client) and from asyncio (one AsyncClient):
every answer complete and identical to the same call made alone; and every AsyncClient method."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import FAST, nowhere

import itaclip_client as ic

CALLS = 16
CLASSES = [["person", "man"], "car", ["sky", "clouds"], "grass"]


def test_16_threads(client: ic.Client, server, image_path: Path) -> None:
    vid = client.register_vocabulary(CLASSES)
    alone = client.segment(image_path, vid, scores=True, **FAST)
    before = len(server.rpc_events())
    with ThreadPoolExecutor(CALLS) as pool:
        results = list(pool.map(lambda _: client.segment(image_path, vid, scores=True, **FAST),
                                range(CALLS)))
    assert len(results) == CALLS
    for seg in results:
        assert np.array_equal(seg.labels, alone.labels)
        assert seg.scores is not None and alone.scores is not None
        assert np.array_equal(seg.scores, alone.scores)
    assert len({seg.request_id for seg in results}) == CALLS
    segments = [e for e in server.rpc_events()[before:] if e.get("method") == "Segment"]
    assert len(segments) == CALLS and all(e.get("code") == "OK" for e in segments)


def test_16_coroutines(server, image_path: Path) -> None:
    async def run() -> None:
        async with ic.AsyncClient(server.address, timeout=120) as client:
            vid = await client.register_vocabulary(CLASSES)
            alone = await client.segment(image_path, vid, scores=True, **FAST)
            results = await asyncio.gather(*[
                client.segment(image_path, vid, scores=True, **FAST) for _ in range(CALLS)])
            for seg in results:
                assert np.array_equal(seg.labels, alone.labels)
                assert np.array_equal(seg.scores, alone.scores)
            assert len({seg.request_id for seg in results}) == CALLS

    asyncio.run(run())


def test_every_async_method(server, image_path: Path) -> None:
    async def run() -> None:
        async with ic.AsyncClient(server.address, timeout=120) as client:
            assert await client.health() == "SERVING"
            assert (await client.server_info()).default_preset == "voc21"
            vid = await client.register_vocabulary(["async-a", ["async-b", "async c"]],
                                                   display_name="async")
            assert vid in {v.id for v in await client.list_vocabularies()}
            info = await client.get_vocabulary(vid)
            assert info.display_name == "async" and info.num_queries == 3
            data = image_path.read_bytes()
            by_path = await client.segment(image_path, vid, **FAST)
            by_bytes = await client.segment(data, vid, **FAST)
            inline = await client.segment(image_path, ["async-a", ["async-b", "async c"]], **FAST)
            rgb = by_path.image()
            by_array = await client.segment(rgb, vid, **FAST)
            assert by_array.labels.shape == by_path.labels.shape
            assert np.array_equal(by_bytes.labels, by_path.labels)
            assert np.array_equal(inline.labels, by_path.labels)
            await client.delete_vocabulary(vid)
            with pytest.raises(ic.NotFound):
                await client.delete_vocabulary(vid)
            with pytest.raises(ic.InvalidArgument):
                await client.segment(b"not an image", ["cat"], **FAST)
            with pytest.raises(ic.DeadlineExceeded):
                await client.segment(image_path, ["cat", "dog"], timeout=0.3, stride=14)

    asyncio.run(run())


def test_async_unavailable_is_retried(work: Path) -> None:
    async def run() -> float:
        import time
        policy = ic.RetryPolicy(max_attempts=3, initial_backoff=0.2, jitter=0)
        async with ic.AsyncClient(nowhere(work), retry=policy) as client:
            start = time.monotonic()
            with pytest.raises(ic.Unavailable):
                await client.list_vocabularies()
            return time.monotonic() - start

    assert asyncio.run(run()) >= 0.6  # 0.2 + 0.4
