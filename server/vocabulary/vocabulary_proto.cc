#include "server/vocabulary/vocabulary_proto.h"

namespace itaclip::server {

Vocabulary VocabularyFromProto(const v1::VocabularyDefinition& definition) {
  Vocabulary vocabulary;
  vocabulary.spec.background_first = definition.background_first();
  vocabulary.spec.classes.reserve(definition.classes_size());
  for (const v1::ClassDefinition& cls : definition.classes()) {
    text::ClassSpec& out = vocabulary.spec.classes.emplace_back();
    out.names.assign(cls.names().begin(), cls.names().end());
    out.description = cls.description();
  }
  if (definition.text_params().has_description_weight()) {
    vocabulary.description_weight = definition.text_params().description_weight();
  }
  return vocabulary;
}

v1::VocabularyDefinition VocabularyToProto(const Vocabulary& vocabulary) {
  v1::VocabularyDefinition definition;
  definition.set_background_first(vocabulary.spec.background_first);
  for (const text::ClassSpec& cls : vocabulary.spec.classes) {
    v1::ClassDefinition& out = *definition.add_classes();
    for (const std::string& name : cls.names) out.add_names(name);
    out.set_description(cls.description);
  }
  if (vocabulary.description_weight.has_value()) {
    definition.mutable_text_params()->set_description_weight(*vocabulary.description_weight);
  }
  return definition;
}

VocabularyRecord RecordFromProto(const v1::StoredVocabulary& record) {
  VocabularyRecord out;
  out.id = record.id();
  out.display_name = record.display_name();
  out.definition = VocabularyFromProto(record.definition());
  out.created_unix_ms = record.created_unix_ms();
  return out;
}

v1::StoredVocabulary RecordToProto(const VocabularyRecord& record) {
  v1::StoredVocabulary out;
  out.set_id(record.id);
  out.set_display_name(record.display_name);
  *out.mutable_definition() = VocabularyToProto(record.definition);
  out.set_created_unix_ms(record.created_unix_ms);
  return out;
}

}  // namespace itaclip::server
