// Checked conversions of grant::Value, Time/Date text forms and Rows::column_index.
// Every conversion either keeps the exact value or throws ConversionError naming both
// types and the offending value; nothing rounds or truncates silently.
#include <grant/errors.hpp>
#include <grant/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace grant {
namespace {

using namespace std::chrono;

[[noreturn]] void fail(const Value& v, const char* target, std::string_view why = {}) {
  std::string shown = v.to_string();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw ConversionError(fmt::format("cannot convert {} value '{}' to {}{}{}", v.type_name(), shown, target,
                                    why.empty() ? "" : ": ", why));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Whole-string integer parse; nullopt on anything else (including overflow).
std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return out;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double out = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return out;
}

// Reads exactly n digits at s[pos..]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<Date> parse_date_prefix(std::string_view s, std::size_t& pos) {
  int y, m, d;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, m) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

std::optional<Time> try_parse_time(std::string_view text) {
  std::string_view s = trim(text);
  std::size_t pos = 0;
  auto date = parse_date_prefix(s, pos);
  if (!date || pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) return std::nullopt;
  ++pos;
  int hh, mm, ss;
  if (!digits(s, pos, 2, hh) || !expect(s, pos, ':') || !digits(s, pos, 2, mm) || !expect(s, pos, ':') ||
      !digits(s, pos, 2, ss) || hh > 23 || mm > 59 || ss > 59)
    return std::nullopt;
  std::int64_t micros = 0;
  if (expect(s, pos, '.')) {
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      int digit = s[pos] - '0';
      if (n < 6) micros = micros * 10 + digit;
      else if (digit != 0) return std::nullopt;  // below a microsecond: would be lost
      ++n, ++pos;
    }
    if (n == 0) return std::nullopt;
    for (std::size_t i = n; i < 6; ++i) micros *= 10;
  }
  minutes offset{0};
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh, om = 0;
      if (!digits(s, pos, 2, oh)) return std::nullopt;
      if (expect(s, pos, ':')) {
        if (!digits(s, pos, 2, om)) return std::nullopt;
      } else if (pos < s.size() && !digits(s, pos, 2, om)) {
        return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset = sign * (hours{oh} + minutes{om});
    }
  }
  if (pos != s.size()) return std::nullopt;
  return Time{*date} + hours{hh} + minutes{mm} + seconds{ss} + microseconds{micros} - offset;
}

std::string hex(const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(b.data.size() * 2);
  for (unsigned char c : b.data) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string format_double(double d) {
  // Shortest text that reads back as the same double (fmt's default), sign of -0 kept.
  return fmt::format("{}", d);
}

}  // namespace

namespace detail {

std::optional<std::string> canonical_decimal(std::string_view text) {
  std::string_view s = trim(text);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  std::size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  auto all_digits = [](std::string_view p) {
    return std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(whole) || !all_digits(frac)) return std::nullopt;
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  std::string out = whole.empty() ? "0" : std::string(whole);
  if (!frac.empty()) {
    out += '.';
    out += frac;
  }
  if (negative && out != "0") out.insert(out.begin(), '-');
  return out;
}

std::int64_t value_to_int64(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<std::int64_t>(&s)) return *p;
  if (auto p = std::get_if<bool>(&s)) return *p ? 1 : 0;
  if (auto p = std::get_if<double>(&s)) {
    // 2^63 itself is not representable, hence the strict upper bound.
    if (!std::isfinite(*p) || std::trunc(*p) != *p || *p < -9223372036854775808.0 || *p >= 9223372036854775808.0)
      fail(v, "an integer", "it has a fraction or is out of range");
    return static_cast<std::int64_t>(*p);
  }
  std::string_view text;
  if (auto p = std::get_if<std::string>(&s)) text = *p;
  else if (auto p = std::get_if<Decimal>(&s)) text = p->text;
  else fail(v, "an integer");
  if (auto i = parse_int(text)) return *i;
  // "42.000000000" (a NUMERIC aggregate) is still an exact integer.
  if (auto c = canonical_decimal(text); c && c->find('.') == std::string::npos) {
    if (auto i = parse_int(*c)) return *i;
    fail(v, "an integer", "out of range");
  }
  fail(v, "an integer");
}

double value_to_double(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<double>(&s)) return *p;
  if (auto p = std::get_if<std::int64_t>(&s)) return static_cast<double>(*p);
  std::string_view text;
  if (auto p = std::get_if<std::string>(&s)) text = *p;
  else if (auto p = std::get_if<Decimal>(&s)) text = p->text;
  else fail(v, "a double");
  if (auto d = parse_double(text)) return *d;
  fail(v, "a double");
}

bool value_to_bool(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<bool>(&s)) return *p;
  if (auto p = std::get_if<std::int64_t>(&s)) {
    if (*p == 0 || *p == 1) return *p == 1;
    fail(v, "bool", "only 0 and 1 are booleans");
  }
  if (auto p = std::get_if<std::string>(&s)) {
    std::string_view t = trim(*p);
    if (t == "1" || iequals(t, "t") || iequals(t, "true")) return true;
    if (t == "0" || iequals(t, "f") || iequals(t, "false")) return false;
  }
  fail(v, "bool");
}

std::string value_to_string(const Value& v) {
  if (v.is_null()) fail(v, "text");
  if (auto p = std::get_if<std::string>(&v.storage())) return *p;
  return v.to_string();
}

Time value_to_time(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<Time>(&s)) return *p;
  if (auto p = std::get_if<Date>(&s)) return Time{*p};
  if (auto p = std::get_if<std::string>(&s)) {
    if (auto t = try_parse_time(*p)) return *t;
  }
  fail(v, "a time", "expected 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC");
}

Date value_to_date(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<Date>(&s)) return *p;
  if (auto p = std::get_if<Time>(&s)) {
    auto day = floor<days>(*p);
    if (day == *p) return day;  // midnight: nothing lost
    fail(v, "a date", "it has a time of day");
  }
  if (auto p = std::get_if<std::string>(&s)) {
    std::string_view t = trim(*p);
    std::size_t pos = 0;
    if (auto d = parse_date_prefix(t, pos); d && pos == t.size()) return *d;
  }
  fail(v, "a date", "expected 'YYYY-MM-DD'");
}

Decimal value_to_decimal(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<Decimal>(&s)) return *p;
  if (auto p = std::get_if<std::int64_t>(&s)) return Decimal{std::to_string(*p)};
  if (auto p = std::get_if<double>(&s)) {
    // The shortest text that reads back as this double: the decimal the user most likely meant.
    if (!std::isfinite(*p)) fail(v, "a decimal", "not a finite number");
    if (auto c = canonical_decimal(format_double(*p))) return Decimal{*c};
    if (auto c = canonical_decimal(fmt::format("{:f}", *p))) return Decimal{*c};  // "1e+20" has an exponent
  }
  if (auto p = std::get_if<std::string>(&s)) {
    if (auto c = canonical_decimal(*p)) return Decimal{*c};
  }
  fail(v, "a decimal");
}

Bytes value_to_bytes(const Value& v) {
  const auto& s = v.storage();
  if (auto p = std::get_if<Bytes>(&s)) return *p;
  if (auto p = std::get_if<std::string>(&s)) return Bytes{{p->begin(), p->end()}};
  fail(v, "bytes");
}

void throw_out_of_range(std::int64_t v, const char* target) {
  throw ConversionError(fmt::format("integer {} is out of range for {}", v, target));
}

}  // namespace detail

Time parse_time(std::string_view text) {
  if (auto t = try_parse_time(text)) return *t;
  throw ConversionError(
      fmt::format("cannot parse '{}' as a time: expected 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC", text));
}

std::string format_time(Time t) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> tod{t - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), tod.hours().count(),
                     tod.minutes().count(), tod.seconds().count(), tod.subseconds().count());
}

Date parse_date(std::string_view text) {
  std::string_view t = trim(text);
  std::size_t pos = 0;
  if (auto d = parse_date_prefix(t, pos); d && pos == t.size()) return *d;
  throw ConversionError(fmt::format("cannot parse '{}' as a date: expected 'YYYY-MM-DD'", text));
}

std::string format_date(Date d) {
  year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string Value::to_string() const {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Null>) return "NULL";
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(x);
        else if constexpr (std::is_same_v<T, double>) return format_double(x);
        else if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, Bytes>) return hex(x);
        else if constexpr (std::is_same_v<T, Time>) return format_time(x);
        else if constexpr (std::is_same_v<T, Date>) return format_date(x);
        else return x.text;
      },
      v_);
}

const char* Value::type_name() const {
  static const char* names[] = {"null", "bool", "int", "double", "text", "bytes", "time", "date", "decimal"};
  return names[v_.index()];
}

std::size_t Rows::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (iequals(columns[i], name)) return i;
  throw UnknownColumn("result", std::string(name));
}

}  // namespace grant
