// The text vocabulary of one segmentation run: the classes, the text queries
// that stand for each class, and each class's optional auxiliary text (an
// LLM-written definition or synonym, spec §3.3).
#ifndef ITACLIP_CORE_TEXT_VOCABULARY_SPEC_H_
#define ITACLIP_CORE_TEXT_VOCABULARY_SPEC_H_

#include <cstddef>
#include <string>
#include <vector>

namespace itaclip::text {

// One class. Each name is one text query (spec §3.1: the ", "-separated pieces
// of a class-file line).
struct ClassSpec {
  std::vector<std::string> names;  // never empty when built by LoadVocabularySpec
  std::string description;         // the auxiliary text; empty means none (no blending)
};

// The classes in label order: class i is label i of the output map.
struct VocabularySpec {
  std::vector<ClassSpec> classes;
  // Class 0 is the background class. Its names are never blended with a
  // description (spec §3.4), and a description file has no line for it.
  bool background_first = false;
};

// Whether class c's description is encoded and blended into its names' queries (spec §3.4): it
// has one, it is not the background class, and the weight is positive. TextEmbedder encodes these
// descriptions; the server's memory estimate counts them.
inline bool IsDescriptionBlended(const VocabularySpec& spec, size_t c, double description_weight) {
  const bool is_background = spec.background_first && c == 0;
  return !is_background && !spec.classes[c].description.empty() && description_weight > 0.0;
}

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_VOCABULARY_SPEC_H_
