#include "octo/common/words.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "re2/re2.h"

namespace octo::common {

std::vector<std::string> Words(absl::string_view text) {
  static const RE2* const kWord = new RE2("([\\pL\\pN]+(?:['’][\\pL]+)*)");
  std::vector<std::string> words;
  re2::StringPiece input(text.data(), text.size());
  std::string word;
  while (RE2::FindAndConsume(&input, *kWord, &word)) {
    absl::AsciiStrToLower(&word);
    words.push_back(std::move(word));
  }
  return words;
}

}  // namespace octo::common
