"""The package as installed: generated stubs with type stubs and py.typed; an sdist that carries
proto/ and the presets and builds a complete wheel offline on its own; the health messages do not
clash with another definition of grpc.health.v1 in the same process."""
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from conftest import env

import itaclip_client as ic


def test_installed_with_generated_stubs() -> None:
    root = Path(ic.__file__).parent
    assert "site-packages" in str(root)  # the installed copy, not the source tree
    for rel in ("py.typed", "_proto/itaclip/v1/segmentation_service_pb2.py",
                "_proto/itaclip/v1/segmentation_service_pb2.pyi",
                "_proto/itaclip/v1/segmentation_service_pb2_grpc.py",
                "_proto/itaclip_client_health_pb2.py", "_data/classes/voc21.txt",
                "_data/presets/voc21.conf"):
        assert (root / rel).is_file(), rel
    from itaclip_client._proto.itaclip.v1 import segmentation_service_pb2 as svc
    assert svc.DESCRIPTOR.package == "itaclip.v1"
    assert set(svc.DESCRIPTOR.services_by_name["SegmentationService"].methods_by_name) >= {
        "RegisterClasses", "Segment", "ListVocabularies", "DeleteVocabulary", "GetVocabulary",
        "GetServerInfo"}


def test_sdist_builds_a_complete_wheel_offline(tmp_path: Path) -> None:
    package = Path(env("ITACLIP_PACKAGE_DIR"))  # client/python of a copy of the checkout
    wheels = env("ITACLIP_PYCLIENT_WHEELS")
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(tmp_path)],
                   cwd=package, check=True, capture_output=True)
    (sdist,) = tmp_path.glob("itaclip_client-*.tar.gz")
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"proto/itaclip/v1/segmentation_service.proto", "proto/itaclip/v1/vocabulary.proto",
            "proto/grpc/health/v1/health.proto", "configs/classes/voc21.txt",
            "configs/presets/voc21.conf", "setup.py", "pyproject.toml",
            "src/itaclip_client/py.typed"} <= names
    assert not any("_pb2" in n for n in names)  # nothing generated travels
    # Built from the sdist alone (pip unpacks it in a folder of its own: no ../../proto there).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q",
                    "--no-deps", "--no-index", "--find-links", wheels, "-w",
                    str(tmp_path / "wheel"), str(sdist)], check=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "wheel").glob("itaclip_client-*.whl")
    with zipfile.ZipFile(wheel) as z:
        contents = set(z.namelist())
    assert {"itaclip_client/_proto/itaclip/v1/segmentation_service_pb2_grpc.py",
            "itaclip_client/_proto/itaclip/v1/vocabulary_pb2.pyi",
            "itaclip_client/_data/classes/coco_stuff.txt", "itaclip_client/py.typed"} <= contents


def test_health_messages_do_not_clash(tmp_path: Path, source_dir: Path) -> None:
    """grpcio-health-checking registers its own grpc/health/v1/health.proto (with options ours
    lacks); loading such a copy next to the package must work."""
    from grpc_tools import protoc
    src = tmp_path / "src"
    (src / "grpc" / "health" / "v1").mkdir(parents=True)
    text = (source_dir / "proto" / "grpc" / "health" / "v1" / "health.proto").read_text()
    text = text.replace("package grpc.health.v1;",
                        'package grpc.health.v1;\noption java_package = "io.grpc.health.v1";')
    (src / "grpc" / "health" / "v1" / "health.proto").write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    assert protoc.main(["protoc", "-I", str(src), "--python_out=%s" % out,
                        "grpc/health/v1/health.proto"]) == 0
    code = ("import itaclip_client, sys; sys.path.insert(0, %r); "
            "import importlib.util as u; "
            "spec = u.spec_from_file_location('h', %r); m = u.module_from_spec(spec); "
            "spec.loader.exec_module(m); print(m.HealthCheckRequest.DESCRIPTOR.full_name)"
            % (str(out), str(out / "grpc" / "health" / "v1" / "health_pb2.py")))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "grpc.health.v1.HealthCheckRequest"
