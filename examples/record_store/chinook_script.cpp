#include "chinook_script.hpp"

#include <fmt/core.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace record_store {

std::size_t ScriptTable::index(const std::string& column) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == column) return i;
  throw std::out_of_range("Chinook script: no column " + column);
}

namespace {

// A cursor over the script text that knows its line number for error messages.
class Reader {
 public:
  explicit Reader(std::string text) : s_(std::move(text)) {}

  bool at_end() {
    skip_space_and_comments();
    return i_ >= s_.size();
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) line += s_[k] == '\n';
    throw std::runtime_error(fmt::format("Chinook script, line {}: {}", line, what));
  }

  void skip_space_and_comments() {
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (s_.compare(i_, 2, "/*") == 0) {
        auto end = s_.find("*/", i_ + 2);
        if (end == std::string::npos) fail("unterminated comment");
        i_ = end + 2;
      } else if (s_.compare(i_, 2, "--") == 0) {
        auto end = s_.find('\n', i_);
        i_ = end == std::string::npos ? s_.size() : end;
      } else {
        return;
      }
    }
  }

  bool accept_word(std::string_view word) {
    skip_space_and_comments();
    if (s_.size() - i_ < word.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k)
      if (std::toupper(static_cast<unsigned char>(s_[i_ + k])) != word[k]) return false;
    i_ += word.size();
    return true;
  }

  bool accept(char c) {
    skip_space_and_comments();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!accept(c)) fail(fmt::format("expected '{}'", c));
  }

  std::string bracketed_name() {
    expect('[');
    auto end = s_.find(']', i_);
    if (end == std::string::npos) fail("unterminated [name]");
    std::string name = s_.substr(i_, end - i_);
    i_ = end + 1;
    return name;
  }

  void skip_statement() {
    // Statements we do not load (DDL, PRAGMA) hold no quoted ';' in this script.
    auto end = s_.find(';', i_);
    i_ = end == std::string::npos ? s_.size() : end + 1;
  }

  grant::Value literal() {
    skip_space_and_comments();
    if (accept_word("NULL")) return grant::null;
    if (i_ < s_.size() && s_[i_] == '\'') return quoted();
    std::size_t start = i_;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
    bool fraction = false;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) {
      fraction |= s_[i_] == '.';
      ++i_;
    }
    std::string number = s_.substr(start, i_ - start);
    if (number.empty() || number == "-" || number == "+") fail("expected a literal");
    if (fraction) return grant::Decimal{number};
    return static_cast<std::int64_t>(std::stoll(number));
  }

 private:
  grant::Value quoted() {
    std::string out;
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == '\'') {
        if (i_ < s_.size() && s_[i_] == '\'') {
          out += '\'';
          ++i_;
        } else {
          return out;
        }
      } else {
        out += c;
      }
    }
  }

  std::string s_;
  std::size_t i_ = 0;
};

void read_insert(Reader& r, std::map<std::string, ScriptTable>& tables) {
  if (!r.accept_word("INTO")) r.fail("expected INTO");
  auto& table = tables[r.bracketed_name()];
  std::vector<std::string> columns;
  r.expect('(');
  do columns.push_back(r.bracketed_name());
  while (r.accept(','));
  r.expect(')');
  if (table.columns.empty()) table.columns = columns;
  if (table.columns != columns) r.fail("column list differs from an earlier INSERT into the same table");
  if (!r.accept_word("VALUES")) r.fail("expected VALUES");
  do {
    r.expect('(');
    std::vector<grant::Value> row;
    do row.push_back(r.literal());
    while (r.accept(','));
    r.expect(')');
    if (row.size() != columns.size()) r.fail("row has a different number of values than columns");
    table.rows.push_back(std::move(row));
  } while (r.accept(','));
  r.expect(';');
}

}  // namespace

std::map<std::string, ScriptTable> read_chinook_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open the Chinook script " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  Reader r(buffer.str());
  std::map<std::string, ScriptTable> tables;
  while (!r.at_end()) {
    if (r.accept_word("INSERT"))
      read_insert(r, tables);
    else
      r.skip_statement();
  }
  return tables;
}

}  // namespace record_store
