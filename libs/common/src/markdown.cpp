#include "octo/common/markdown.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace octo::common {
namespace {

bool IsFence(absl::string_view line) {
  line = absl::StripLeadingAsciiWhitespace(line);
  return absl::StartsWith(line, "```") || absl::StartsWith(line, "~~~");
}

// True for an ATX heading line; `*heading` is then its text.
bool HeadingOf(absl::string_view line, absl::string_view* heading) {
  size_t level = 0;
  while (level < line.size() && line[level] == '#') ++level;
  if (level == 0 || level > 6) return false;
  if (level < line.size() && line[level] != ' ' && line[level] != '\t') return false;
  absl::string_view rest = absl::StripAsciiWhitespace(line.substr(level));
  while (!rest.empty() && rest.back() == '#') rest.remove_suffix(1);
  *heading = absl::StripAsciiWhitespace(rest);
  return true;
}

// Inline markup removed: emphasis and code marks, "[text](url)" kept as "text", "<tags>".
void AppendInline(absl::string_view line, std::string* out) {
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '*' || c == '`' || (c == '_' && (i == 0 || i + 1 == line.size() ||
                                              !absl::ascii_isalnum(line[i - 1]) ||
                                              !absl::ascii_isalnum(line[i + 1])))) {
      continue;
    }
    if (c == ']' && i + 1 < line.size() && line[i + 1] == '(') {
      const size_t close = line.find(')', i);
      if (close != absl::string_view::npos) {
        i = close;
        continue;
      }
    }
    if (c == '[' || c == ']') continue;
    out->push_back(c);
  }
}

}  // namespace

std::vector<MarkdownSection> SplitSections(absl::string_view text) {
  std::vector<MarkdownSection> sections;
  MarkdownSection current;
  size_t start = 0;
  bool in_fence = false;
  auto close = [&](size_t end) {
    current.text = text.substr(start, end - start);
    if (!current.heading.empty() || !absl::StripAsciiWhitespace(current.text).empty()) {
      sections.push_back(current);
    }
  };
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == absl::string_view::npos) eol = text.size();
    const absl::string_view line = text.substr(pos, eol - pos);
    absl::string_view heading;
    if (IsFence(line)) {
      in_fence = !in_fence;
    } else if (!in_fence && HeadingOf(line, &heading)) {
      close(pos);
      current.heading = heading;
      start = pos;
    }
    pos = eol + 1;
  }
  close(text.size());
  return sections;
}

std::string MarkdownProse(absl::string_view text) {
  std::string out;
  bool in_fence = false;
  bool open_paragraph = false;
  auto end_paragraph = [&] {
    if (open_paragraph) out.push_back('\n');
    open_paragraph = false;
  };
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    absl::string_view heading;
    if (IsFence(line)) {
      in_fence = !in_fence;
      end_paragraph();
      continue;
    }
    if (in_fence || line.empty() || line[0] == '|' || line[0] == '<' ||
        HeadingOf(line, &heading)) {
      end_paragraph();
      continue;
    }
    // A list item starts a line of its own.
    bool item = false;
    if (line.size() > 1 && (line[0] == '-' || line[0] == '*' || line[0] == '+') &&
        line[1] == ' ') {
      line.remove_prefix(2);
      item = true;
    } else {
      size_t digits = 0;
      while (digits < line.size() && absl::ascii_isdigit(line[digits])) ++digits;
      if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
          line[digits + 1] == ' ') {
        line.remove_prefix(digits + 2);
        item = true;
      }
    }
    if (item) end_paragraph();
    if (open_paragraph) out.push_back(' ');
    AppendInline(absl::StripAsciiWhitespace(line), &out);
    open_paragraph = true;
  }
  end_paragraph();
  return out;
}

}  // namespace octo::common
