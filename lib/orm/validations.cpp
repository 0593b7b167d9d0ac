// The column validators of validations.hpp.
#include <grant/orm/sql.hpp>
#include <grant/validations.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace grant {

namespace {

void add(orm::ValidationContext& ctx, std::string message) { ctx.errors.add(ctx.column, std::move(message)); }

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string number_text(double x) {
  char buf[40];
  if (x == std::floor(x) && std::fabs(x) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", x);
  else std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

/// The number in `v`, or nullopt if it is not one. `integral` says whether it has no fraction.
std::optional<double> number(const Value& v, bool& integral) {
  const auto& s = v.storage();
  if (auto i = std::get_if<std::int64_t>(&s)) {
    integral = true;
    return static_cast<double>(*i);
  }
  if (auto d = std::get_if<double>(&s)) {
    if (!std::isfinite(*d)) return std::nullopt;
    integral = *d == std::floor(*d);
    return *d;
  }
  std::string text;
  if (auto dec = std::get_if<Decimal>(&s)) text = dec->text;
  else if (auto str = std::get_if<std::string>(&s)) text = *str;
  else return std::nullopt;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double x = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(x)) return std::nullopt;
  integral = text.find_first_of(".eE") == std::string::npos;
  return x;
}

bool same(const Value& a, const Value& b) {
  if (a == b) return true;
  if (a.is_null() || b.is_null()) return false;
  return a.to_string() == b.to_string();
}

}  // namespace

void presence::operator()(const Value& v, orm::ValidationContext& ctx) const {
  bool blank = v.is_null();
  if (auto s = std::get_if<std::string>(&v.storage()))
    blank = std::all_of(s->begin(), s->end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (auto b = std::get_if<Bytes>(&v.storage())) blank = b->data.empty();
  if (blank) add(ctx, message);
}

void length::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (v.is_null() && allow_null) return;
  const std::size_t n = v.is_null() ? 0 : code_points(v.as<std::string>());
  if (is && n != *is) add(ctx, "is the wrong length (should be " + std::to_string(*is) + " characters)");
  if (min && n < *min) add(ctx, "is too short (minimum is " + std::to_string(*min) + " characters)");
  if (max && n > *max) add(ctx, "is too long (maximum is " + std::to_string(*max) + " characters)");
}

format::format(const std::string& p, std::string m) : pattern(p, std::regex::ECMAScript), message(std::move(m)) {}
format::format(std::regex p, std::string m) : pattern(std::move(p)), message(std::move(m)) {}

void format::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (v.is_null()) {
    if (!allow_null) add(ctx, message);
    return;
  }
  if (!std::regex_match(v.as<std::string>(), pattern)) add(ctx, message);
}

void numericality::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (v.is_null() && allow_null) return;
  bool integral = false;
  auto x = v.is_null() ? std::nullopt : number(v, integral);
  if (!x) return add(ctx, "is not a number");
  if (only_integer && !integral) return add(ctx, "must be an integer");
  if (greater_than && !(*x > *greater_than)) add(ctx, "must be greater than " + number_text(*greater_than));
  if (greater_than_or_equal_to && !(*x >= *greater_than_or_equal_to))
    add(ctx, "must be greater than or equal to " + number_text(*greater_than_or_equal_to));
  if (less_than && !(*x < *less_than)) add(ctx, "must be less than " + number_text(*less_than));
  if (less_than_or_equal_to && !(*x <= *less_than_or_equal_to))
    add(ctx, "must be less than or equal to " + number_text(*less_than_or_equal_to));
  if (equal_to && !(*x == *equal_to)) add(ctx, "must be equal to " + number_text(*equal_to));
}

void inclusion::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (v.is_null() && allow_null) return;
  if (std::none_of(in.begin(), in.end(), [&](const Value& x) { return same(v, x); })) add(ctx, message);
}

void exclusion::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (std::any_of(in.begin(), in.end(), [&](const Value& x) { return same(v, x); })) add(ctx, message);
}

void uniqueness::operator()(const Value& v, orm::ValidationContext& ctx) const {
  if (v.is_null()) return;
  const orm::TableInfo& t = ctx.record.table();
  std::vector<std::pair<std::string, Value>> equal{{ctx.column, v}};
  for (const auto& s : scope) equal.emplace_back(s, ctx.value_of(s));
  std::optional<Value> except;
  if (ctx.record.state().persisted()) {
    const auto& snapshot = orm::RecordAccess::snapshot(ctx.record.state());
    const std::size_t pk = t.pk_index();
    except = pk < snapshot.size() ? snapshot[pk] : ctx.record.get(pk);
  }
  if (!ctx.connection.query(orm::sql::taken(t, ctx.connection.dialect(), equal, except)).empty()) add(ctx, message);
}

}  // namespace grant
