// Canonical encoding and SHA-256 of a vocabulary definition (see vocabulary_id.h for the format).
#include "server/vocabulary/vocabulary_id.h"

#include <openssl/evp.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {
namespace {

constexpr absl::string_view kVersionTag = "itaclip.vocabulary.v1";
constexpr absl::string_view kIdPrefix = "voc-";
constexpr size_t kIdHexDigits = 32;
// How much of a malformed id a message quotes (an id can be as long as a request allows).
constexpr size_t kQuotedIdBytes = 80;

void AppendUint64(uint64_t value, std::string& out) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void AppendString(absl::string_view text, std::string& out) {
  AppendUint64(text.size(), out);
  out.append(text.data(), text.size());
}

// The bit pattern of `value` with the two kinds of "same number, different bits" folded together.
uint64_t CanonicalDoubleBits(double value) {
  if (std::isnan(value)) return 0x7ff8000000000000ULL;
  if (value == 0.0) value = 0.0;  // -0.0 == 0.0, so this turns -0.0 into +0.0
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

// Step 3 of the encoding for an unset weight.
constexpr uint64_t kUnsetWeightBits = 0xffffffffffffffffULL;

std::string CanonicalBytes(const Vocabulary& vocabulary, uint64_t weight_bits) {
  std::string out;
  AppendString(kVersionTag, out);
  out.push_back(vocabulary.spec.background_first ? '\x01' : '\x00');
  AppendUint64(weight_bits, out);
  AppendUint64(static_cast<uint64_t>(vocabulary.spec.classes.size()), out);
  for (const text::ClassSpec& cls : vocabulary.spec.classes) {
    AppendUint64(static_cast<uint64_t>(cls.names.size()), out);
    for (const std::string& name : cls.names) AppendString(name, out);
    AppendString(cls.description, out);
  }
  return out;
}

std::string IdOfBytes(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  // EVP_Digest with SHA-256 only fails when OpenSSL cannot allocate; the process is out of memory
  // then, and returning some other string would hand out a wrong id.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1 ||
      digest_size < kIdHexDigits / 2) {
    std::abort();
  }
  const std::string hex = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), kIdHexDigits / 2));
  return absl::StrCat(kIdPrefix, hex);
}

}  // namespace

std::string CanonicalVocabularyBytes(const Vocabulary& vocabulary) {
  return CanonicalBytes(vocabulary, vocabulary.description_weight.has_value()
                                        ? CanonicalDoubleBits(*vocabulary.description_weight)
                                        : kUnsetWeightBits);
}

std::string VocabularyId(const Vocabulary& vocabulary) {
  return IdOfBytes(CanonicalVocabularyBytes(vocabulary));
}

std::string LegacyVocabularyId(const Vocabulary& vocabulary) {
  return IdOfBytes(CanonicalBytes(vocabulary, CanonicalDoubleBits(DescriptionWeight(
                                                  vocabulary, kLegacyUnsetDescriptionWeight))));
}

absl::Status ValidateVocabularyId(absl::string_view id) {
  bool ok = id.size() == kIdPrefix.size() + kIdHexDigits && absl::StartsWith(id, kIdPrefix);
  for (size_t i = kIdPrefix.size(); ok && i < id.size(); ++i) {
    const char c = id[i];
    ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("malformed vocabulary id \"", absl::CHexEscape(id.substr(0, kQuotedIdBytes)),
                   id.size() > kQuotedIdBytes ? "...\"" : "\"",
                   "; an id is \"voc-\" followed by 32 lowercase hex digits"));
}

}  // namespace itaclip::server
