"""Build hook of itaclip-client: generates the gRPC stubs from the repository's proto/ and copies
the vocabulary presets from configs/ when the package is built, so nothing generated is committed
and the stubs can never drift from the .proto files the server is built from.

Where the sources are: in the repository, proto/ and configs/ are two levels up (client/python/ ->
the checkout); an sdist carries copies of both beside this file (written by `sdist` below), so a
wheel built from the sdist alone gets the same content.

Everything the metadata says is in pyproject.toml; this file only adds the commands.
"""
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import List

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
SERVICE_PROTOS = ["itaclip/v1/vocabulary.proto", "itaclip/v1/segmentation_service.proto"]
HEALTH_PROTO = "grpc/health/v1/health.proto"
# The health messages are compiled under their own file and package name: grpcio-health-checking
# registers grpc.health.v1 in protobuf's default descriptor pool, and a second, different
# definition of the same names in one process would fail to load. The wire format does not depend
# on the package name; the client calls /grpc.health.v1.Health/Check by its path.
HEALTH_FILE = "itaclip_client_health.proto"
HEALTH_PACKAGE = "itaclip_client.health.v1"
PACKAGE = "itaclip_client"
GENERATED = "_proto"
DATA = "_data"


def source_dir(name: str) -> Path:
    """proto/ or configs/: the sdist's copy beside this file, else the repository's."""
    for candidate in (HERE / name, HERE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(
        "itaclip-client: %s/ not found beside setup.py nor two levels up (%s); build from the "
        "repository checkout or from an sdist made by `python -m build --sdist`" % (name, HERE))


def _rewrite_imports(path: Path) -> None:
    """protoc writes `from itaclip.v1 import x_pb2`, an absolute import of a top-level package
    `itaclip`; the modules live under itaclip_client._proto instead."""
    text = path.read_text()
    text = re.sub(r"^from itaclip\.v1 import ",
                  "from %s.%s.itaclip.v1 import " % (PACKAGE, GENERATED), text, flags=re.MULTILINE)
    path.write_text(text)


def generate_stubs(package_dir: Path) -> None:
    """Runs grpc_tools.protoc (messages, type stubs and service stubs) into
    package_dir/_proto and makes every folder a package."""
    from grpc_tools import protoc  # a build requirement (pyproject.toml)

    proto_root = source_dir("proto")
    out = package_dir / GENERATED
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        health = (proto_root / HEALTH_PROTO).read_text()
        renamed = re.sub(r"^package grpc\.health\.v1;", "package %s;" % HEALTH_PACKAGE, health,
                         flags=re.MULTILINE)
        if renamed == health:
            raise RuntimeError("%s: no `package grpc.health.v1;` line to rename" % HEALTH_PROTO)
        Path(tmp, HEALTH_FILE).write_text(renamed)
        args: List[str] = ["grpc_tools.protoc", "-I", str(proto_root), "-I", tmp,
                           "--python_out=%s" % out, "--pyi_out=%s" % out,
                           "--grpc_python_out=%s" % out] + SERVICE_PROTOS + [HEALTH_FILE]
        if protoc.main(args) != 0:
            raise RuntimeError("grpc_tools.protoc failed: %s" % " ".join(args))
    for path in out.rglob("*.py*"):
        _rewrite_imports(path)
    for folder in [out] + [p for p in out.rglob("*") if p.is_dir()]:
        (folder / "__init__.py").touch()


def copy_presets(package_dir: Path) -> None:
    """configs/classes/*.txt (class names) and configs/presets/*.conf (background_first,
    def_coefficient): what register_vocabulary("voc21") needs, read at run time."""
    configs = source_dir("configs")
    data = package_dir / DATA
    shutil.rmtree(data, ignore_errors=True)
    for sub, pattern in (("classes", "*.txt"), ("presets", "*.conf")):
        (data / sub).mkdir(parents=True)
        for f in sorted((configs / sub).glob(pattern)):
            shutil.copy2(f, data / sub / f.name)


class BuildPyWithStubs(build_py):
    """build_py, then the generated stubs and the presets into the build folder (or into src/ for
    an editable install, where the build folder is not what gets imported)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            target = HERE / "src" / PACKAGE
        else:
            target = Path(self.build_lib) / PACKAGE
        generate_stubs(target)
        copy_presets(target)


class SdistWithSources(sdist):
    """An sdist that carries proto/ and configs/{classes,presets}, which live outside this folder
    in the repository."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        proto = source_dir("proto")
        for rel in SERVICE_PROTOS + [HEALTH_PROTO]:
            dest = Path(base_dir, "proto", rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(proto / rel, dest)
        configs = source_dir("configs")
        for sub in ("classes", "presets"):
            shutil.copytree(configs / sub, os.path.join(base_dir, "configs", sub),
                            dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithSources})
