"""Vocabularies as callers write them (names, lists of names, a preset name, descriptions) turned
into the wire's VocabularyDefinition, exactly as the `itaclip` command builds it from a class file
and a description file, so both clients get the same vocabulary id for the same content.

Presets: the server knows presets of pipeline parameters but not their class lists, so
`"voc21"` and its siblings are read from the copies of configs/classes/<name>.txt and
configs/presets/<name>.conf that the package carries (copied at build time).
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Union

from ._errors import InvalidArgument
from ._proto.itaclip.v1 import vocabulary_pb2

_DATA = Path(__file__).resolve().parent / "_data"
VOCABULARY_ID = re.compile(r"^voc-[0-9a-f]{32}$")

ClassNames = Union[str, Sequence[str]]
Classes = Union[str, Sequence[ClassNames]]
Descriptions = Union[None, Sequence[str], Mapping[str, str], str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Preset:
    """A preset's vocabulary: class names (label order) and the text-side parameters."""

    name: str
    classes: List[List[str]]
    background_first: bool
    description_weight: float


@dataclass(frozen=True)
class Vocabulary:
    """A vocabulary given by content, for segment() (inline) and register_vocabulary().

    classes: a preset name ("voc21"), or one entry per class (label i is entry i): a name, or a
        list of names (each name is one text query; the first names the class in answers).
    descriptions: optional auxiliary texts: one string per class ("" for none; for a
        background-first vocabulary also one per class without the background), a mapping from a
        class's first name to its text, or the path of a description file (`name >=text` lines,
        none for a background class 0: the format of the `itaclip` command's --descriptions).
    description_weight: weight of the description in the query blend, in [0, 1]; None: the
        preset's def_coefficient for a preset, else the server's default (0.05).
    background_first: class 0 is background (low-probability pixels get label 0); None: the
        preset's setting for a preset, else False.
    """

    classes: Classes
    descriptions: Descriptions = None
    description_weight: Optional[float] = None
    background_first: Optional[bool] = None


def preset_names() -> List[str]:
    """The presets whose class lists this package carries (configs/presets/*.conf)."""
    return sorted(p.stem for p in (_DATA / "presets").glob("*.conf"))


def _parse_conf(text: str) -> Dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    return values


def _split_lines(content: str) -> List[str]:
    """Python's readlines() without the ends, as the C++ parsers split: a final newline ends the
    last line, and a '\\r' before a '\\n' is dropped."""
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_class_file(content: str) -> List[List[str]]:
    """A class file: one class per line, names separated by exactly ", "
    (core/text/class_file.h)."""
    lines = _split_lines(content)
    if not lines:
        raise InvalidArgument("class-name file has no classes (it is empty)")
    classes = []
    for i, line in enumerate(lines):
        names = line.split(", ")
        if any(not n for n in names):
            raise InvalidArgument("class-name file line %d (class %d): empty class name in %r" %
                                  (i + 1, i, line))
        classes.append(names)
    return classes


def parse_description_file(content: str, classes: Sequence[Sequence[str]],
                           background_first: bool) -> List[str]:
    """A description file: `name >=text` per class (none for a background class 0), the text
    field 1 of a split on ">=", not stripped; the name must be the class's first name (trailing
    spaces ignored). Returns one text per class."""
    first = 1 if background_first else 0
    lines = _split_lines(content)
    if len(lines) != len(classes) - first:
        raise InvalidArgument(
            "description file has %d lines but needs %d (one per class%s)" %
            (len(lines), len(classes) - first,
             ", none for the background class 0" if background_first else ""))
    texts = [""] * len(classes)
    for j, line in enumerate(lines):
        fields = line.split(">=")
        if len(fields) < 2:
            raise InvalidArgument("description file line %d: no \">=\" in %r" % (j + 1, line))
        name = fields[0].rstrip(" ")
        expected = classes[j + first][0].rstrip(" ")
        if name != expected:
            raise InvalidArgument(
                "description file line %d: name %r does not match the first name %r of class %d"
                % (j + 1, name, expected, j + first))
        texts[j + first] = fields[1]
    return texts


def load_preset(name: str) -> Preset:
    """The class list and text parameters of preset `name`; InvalidArgument for an unknown one."""
    conf = _DATA / "presets" / (name + ".conf")
    if not name or "/" in name or not conf.is_file():
        raise InvalidArgument("unknown vocabulary preset %r (known: %s); a vocabulary id has the "
                              "form voc-<32 hex digits>" % (name, ", ".join(preset_names())))
    values = _parse_conf(conf.read_text())
    classes = parse_class_file((_DATA / "classes" / (name + ".txt")).read_text())
    return Preset(name, classes, values["background_first"] == "true",
                  float(values["def_coefficient"]))


def _class_names(entry: ClassNames, index: int) -> List[str]:
    names = [entry] if isinstance(entry, str) else list(entry)
    if not names:
        raise InvalidArgument("class %d has no names" % index)
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgument("class %d: a name must be a str, got %r" % (index, name))
        if not name.strip():
            raise InvalidArgument("class %d has an empty name" % index)
    return names


def _descriptions(descriptions: Descriptions, classes: List[List[str]],
                  background_first: bool) -> List[str]:
    if descriptions is None:
        return [""] * len(classes)
    if isinstance(descriptions, (str, os.PathLike)):
        path = Path(descriptions)
        try:
            content = path.read_text(encoding="utf-8")
        except OSError as e:
            raise InvalidArgument("description file %s: %s" % (path, e.strerror or e)) from None
        try:
            return parse_description_file(content, classes, background_first)
        except InvalidArgument as e:
            raise InvalidArgument("%s: %s" % (path, e.message)) from None
    if isinstance(descriptions, Mapping):
        firsts = {c[0]: i for i, c in enumerate(classes)}
        unknown = [k for k in descriptions if k not in firsts]
        if unknown:
            raise InvalidArgument("descriptions name classes that are not in the vocabulary: %s"
                                  % ", ".join(map(repr, unknown)))
        return [str(descriptions.get(c[0], "")) for c in classes]
    texts = list(descriptions)
    if background_first and len(texts) == len(classes) - 1:
        texts = [""] + texts
    if len(texts) != len(classes):
        raise InvalidArgument("%d descriptions for %d classes (give one per class%s)" %
                              (len(texts), len(classes),
                               ", or one per class after the background" if background_first
                               else ""))
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InvalidArgument("description %d must be a str, got %r" % (i, t))
    return texts


def build_definition(classes: Classes, descriptions: Descriptions = None,
                     description_weight: Optional[float] = None,
                     background_first: Optional[bool] = None
                     ) -> vocabulary_pb2.VocabularyDefinition:
    """The VocabularyDefinition of a vocabulary given as in `Vocabulary`. Refuses (InvalidArgument)
    what the server would refuse for certain: no classes, an empty name, descriptions that do not
    fit the classes, a weight outside [0, 1]."""
    if isinstance(classes, str):
        preset = load_preset(classes)
        names = preset.classes
        if background_first is None:
            background_first = preset.background_first
        if description_weight is None:
            description_weight = preset.description_weight
    else:
        if isinstance(classes, (bytes, bytearray)) or not isinstance(classes, Sequence):
            raise InvalidArgument("classes must be a preset name or a list of class names (or of "
                                  "lists of names), got %s" % type(classes).__name__)
        names = [_class_names(entry, i) for i, entry in enumerate(classes)]
        if not names:
            raise InvalidArgument("a vocabulary needs at least one class")
    background_first = bool(background_first)
    texts = _descriptions(descriptions, names, background_first)
    definition = vocabulary_pb2.VocabularyDefinition(background_first=background_first)
    for class_names, text in zip(names, texts):
        definition.classes.add(names=class_names, description=text)
    if description_weight is not None:
        weight = float(description_weight)
        if not 0 <= weight <= 1:
            raise InvalidArgument("description_weight must be in [0, 1], got %r" % weight)
        definition.text_params.description_weight = weight
    return definition


def to_definition(vocabulary: Union[Vocabulary, Classes, vocabulary_pb2.VocabularyDefinition]
                  ) -> vocabulary_pb2.VocabularyDefinition:
    """Any vocabulary given by content (not an id) as a VocabularyDefinition."""
    if isinstance(vocabulary, vocabulary_pb2.VocabularyDefinition):
        return vocabulary
    if isinstance(vocabulary, Vocabulary):
        return build_definition(vocabulary.classes, vocabulary.descriptions,
                                vocabulary.description_weight, vocabulary.background_first)
    return build_definition(vocabulary)


def definition_to_vocabulary(definition: vocabulary_pb2.VocabularyDefinition) -> Vocabulary:
    """The wire definition back as a Vocabulary (what list_vocabularies(definitions=True) gives)."""
    weight = (definition.text_params.description_weight
              if definition.text_params.HasField("description_weight") else None)
    return Vocabulary(classes=[list(c.names) for c in definition.classes],
                      descriptions=[c.description for c in definition.classes],
                      description_weight=weight, background_first=definition.background_first)
