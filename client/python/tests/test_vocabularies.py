"""register_vocabulary, list_vocabularies, get_vocabulary, delete_vocabulary, and the forms a
vocabulary can be given in, against the real server."""
import re
import subprocess
from pathlib import Path

import pytest
from conftest import env

import itaclip_client as ic

ID = re.compile(r"^voc-[0-9a-f]{32}$")


def reference_classes(shared: Path, name: str):
    """The published class list (shared/reference/itaclip/cls_<name>.txt), split as ITACLIP's
    get_cls_idx does; independent of the package's copy of configs/classes."""
    lines = (shared / "reference" / "itaclip" / ("cls_%s.txt" % name)).read_text().split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.split(", ") for line in lines]


def test_register_list_get_delete(client: ic.Client) -> None:
    classes = ["pyclient-a", ["pyclient-b", "pyclient b synonym"]]
    vid = client.register_vocabulary(classes, display_name="pyclient test")
    assert ID.match(vid)
    assert client.register_vocabulary(classes) == vid  # same content, same id

    listed = {v.id: v for v in client.list_vocabularies()}
    assert vid in listed
    info = listed[vid]
    assert (info.display_name, info.num_classes, info.num_queries) == ("pyclient test", 2, 3)
    assert info.definition is None
    with_definitions = {v.id: v for v in client.list_vocabularies(definitions=True)}
    assert with_definitions[vid].definition == ic.Vocabulary(
        classes=[["pyclient-a"], ["pyclient-b", "pyclient b synonym"]], descriptions=["", ""],
        description_weight=None, background_first=False)
    assert client.get_vocabulary(vid).definition == with_definitions[vid].definition

    client.delete_vocabulary(vid)
    assert vid not in {v.id for v in client.list_vocabularies()}
    with pytest.raises(ic.NotFound) as e:
        client.delete_vocabulary(vid)
    assert vid in e.value.message
    with pytest.raises(ic.NotFound):
        client.get_vocabulary(vid)


def test_preset_vocabulary_is_the_published_class_list(client: ic.Client, shared: Path) -> None:
    for name, background_first, weight in (("voc21", True, 0.05), ("context60", True, 0.15),
                                           ("cityscapes", False, 0.05)):
        preset = ic.load_preset(name)
        assert preset.classes == reference_classes(shared, name)
        assert (preset.background_first, preset.description_weight) == (background_first, weight)
        vid = client.register_vocabulary(name)
        info = client.get_vocabulary(vid)
        assert info.num_classes == len(preset.classes)
        assert info.num_queries == sum(len(c) for c in preset.classes)
        assert info.definition is not None
        assert info.definition.classes == preset.classes
        assert info.definition.background_first == background_first
        assert info.definition.description_weight == weight
    assert ic.preset_names() == ["cityscapes", "coco_object", "coco_stuff", "context60", "voc21"]


def test_same_id_as_the_cpp_client(client: ic.Client, server, source_dir: Path,
                                   shared: Path) -> None:
    """The C++ `itaclip register` builds its definition from the class and description files
    with core's parsers; the package's own parsing must give the same content, hence the same id.
    A preset name sets the preset's description weight explicitly (as `itaclip eval` does), which
    `itaclip register` does with --description_weight."""
    descriptions = (shared / "reference" / "itaclip" / "llama_generated_texts" /
                    "voc21_definitions.txt")
    class_file = source_dir / "configs" / "classes" / "voc21.txt"

    def cpp_register(*args: str) -> str:
        out = subprocess.run([env("ITACLIP_CLI"), "register", "--server", server.address,
                              "--timeout_s", "300"] + list(args),
                             check=True, capture_output=True, text=True).stdout.strip()
        assert ID.match(out)
        return out

    cpp_unset = cpp_register("--classes", str(class_file), "--background_first",
                             "--descriptions", str(descriptions))
    classes = ic.load_preset("voc21").classes
    assert client.register_vocabulary(ic.Vocabulary(
        classes, descriptions=descriptions, background_first=True)) == cpp_unset

    cpp = cpp_register("--classes", str(class_file), "--background_first",
                       "--descriptions", str(descriptions), "--description_weight", "0.05")
    assert client.register_vocabulary("voc21", descriptions=descriptions) == cpp
    assert client.register_vocabulary("voc21", descriptions=str(descriptions)) == cpp
    # The same descriptions as a list (without the background's) and as a mapping.
    texts = [line.split(">=")[1] for line in descriptions.read_text().split("\n") if line]
    assert client.register_vocabulary("voc21", descriptions=texts) == cpp
    firsts = [c[0] for c in classes]
    assert client.register_vocabulary("voc21", descriptions=dict(zip(firsts[1:], texts))) == cpp
    assert client.register_vocabulary(ic.Vocabulary(
        classes, descriptions=descriptions, description_weight=0.05,
        background_first=True)) == cpp

    inline = cpp_register("--class_names", "background; person, man; car", "--background_first",
                          "--description_weight", "0.3")
    assert client.register_vocabulary(["background", ["person", "man"], "car"],
                                      background_first=True, description_weight=0.3) == inline
    assert client.register_vocabulary(["background", ["person", "man"], "car"],
                                      background_first=True) != inline


def test_bad_vocabularies_are_refused_before_any_call(client: ic.Client) -> None:
    cases = [
        ([], "at least one class"),
        (["cat", ""], "empty name"),
        (["cat", []], "no names"),
        ("no-such-preset", "unknown vocabulary preset"),
        ([["cat", 3]], "must be a str"),
    ]
    for classes, message in cases:
        with pytest.raises(ic.InvalidArgument, match=message) as e:
            client.register_vocabulary(classes)  # type: ignore[arg-type]
        assert e.value.code is None  # the client's own refusal
    with pytest.raises(ic.InvalidArgument, match="in \\[0, 1\\]"):
        client.register_vocabulary(["cat"], description_weight=1.5)
    with pytest.raises(ic.InvalidArgument, match="2 descriptions for 3 classes"):
        client.register_vocabulary(["a", "b", "c"], descriptions=["x", "y"])
    with pytest.raises(ic.InvalidArgument, match="not in the vocabulary"):
        client.register_vocabulary(["a", "b"], descriptions={"z": "x"})
    with pytest.raises(ic.InvalidArgument, match="does not match the first name"):
        client.register_vocabulary(["a", "b"], descriptions=_file("b >=x\na >=y\n"))
    with pytest.raises(ic.InvalidArgument, match="not a vocabulary id"):
        client.delete_vocabulary("voc21")


def _file(content: str) -> Path:
    import tempfile
    f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    f.write(content)
    f.close()
    return Path(f.name)


def test_server_refusals_are_invalid_argument(client: ic.Client) -> None:
    # A name longer than max_text_bytes (2000): only the server knows its limit.
    with pytest.raises(ic.InvalidArgument) as e:
        client.register_vocabulary(["x" * 3000])
    assert e.value.code is not None and e.value.code.name == "INVALID_ARGUMENT"
    assert "2000" in e.value.message
