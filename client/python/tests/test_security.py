"""TLS (a CA made for the test) and a bearer token, against a server that requires both."""
import asyncio
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
from conftest import FAST, TOKEN

import itaclip_client as ic


def test_tls_and_token(secure_server, certificates: Dict[str, Path], image_path: Path) -> None:
    ca = certificates["ca"]
    with ic.Client(secure_server.address, tls=ca, token=TOKEN, timeout=120) as c:
        assert c.health() == "SERVING"
        vid = c.register_vocabulary(["cat", "dog"])
        assert vid in {v.id for v in c.list_vocabularies()}
        seg = c.segment(image_path, vid, **FAST)
        assert seg.labels.shape == (513, 513)
    # The CA as PEM bytes, in a Tls, with the token's surrounding whitespace dropped.
    tls = ic.Tls(root_certificates=ca.read_bytes(), server_name="localhost")
    with ic.Client(secure_server.address, tls=tls, token=" %s\n" % TOKEN, timeout=120) as c:
        assert np.array_equal(c.segment(image_path, vid, **FAST).labels, seg.labels)


def test_refusals(secure_server, certificates: Dict[str, Path], image_path: Path) -> None:
    ca = str(certificates["ca"])
    with ic.Client(secure_server.address, tls=ca, retry=ic.NO_RETRIES) as c:
        assert c.health() == "SERVING"  # probes need no token
        with pytest.raises(ic.Unauthenticated) as e:
            c.list_vocabularies()
        assert e.value.message
        with pytest.raises(ic.Unauthenticated):
            c.segment(image_path, ["cat"], **FAST)
    with ic.Client(secure_server.address, tls=ca, token="wrong-token",
                   retry=ic.NO_RETRIES) as c:
        with pytest.raises(ic.Unauthenticated):
            c.register_vocabulary(["cat"])
    # Plaintext to a TLS port, and TLS without the CA (the system's roots do not know it).
    with ic.Client(secure_server.address, token=TOKEN, retry=ic.NO_RETRIES, timeout=10) as c:
        with pytest.raises(ic.Unavailable):
            c.list_vocabularies()
    with ic.Client(secure_server.address, tls=True, token=TOKEN, retry=ic.NO_RETRIES,
                   timeout=10) as c:
        with pytest.raises(ic.Unavailable):
            c.list_vocabularies()


def test_async_tls_and_token(secure_server, certificates: Dict[str, Path],
                             image_path: Path) -> None:
    async def run() -> None:
        async with ic.AsyncClient(secure_server.address, tls=certificates["ca"], token=TOKEN,
                                  timeout=120) as c:
            seg = await c.segment(image_path, ["cat", "dog"], **FAST)
            assert seg.class_names == ["cat", "dog"]
        async with ic.AsyncClient(secure_server.address, tls=certificates["ca"],
                                  retry=ic.NO_RETRIES) as c:
            with pytest.raises(ic.Unauthenticated):
                await c.list_vocabularies()

    asyncio.run(run())


def test_bad_settings() -> None:
    with pytest.raises(ValueError, match="token"):
        ic.Client("127.0.0.1:1", token="a\nb")
    with pytest.raises(TypeError, match="tls"):
        ic.Client("127.0.0.1:1", tls=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="both"):
        ic.Client("127.0.0.1:1", tls=ic.Tls(client_certificate=b"x"))
    with pytest.raises(ValueError, match="timeout"):
        ic.Client("127.0.0.1:1", timeout=-1)
