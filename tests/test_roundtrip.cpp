// Values through the ODBC driver layer and back: every type, edge values and sizes, on
// the backend the environment names (tests/support/backend.hpp). Quirks are Backend flags.
#define BOOST_TEST_MODULE test_roundtrip
#include <boost/test/unit_test.hpp>

#include "tests/support/driver_fixture.hpp"
#include "tests/support/skip.hpp"

#include <grant/errors.hpp>

#include <cmath>
#include <limits>

using namespace grant;
using namespace std::chrono;
using grant::test::backend;

namespace {

struct Fixture : grant::test::DriverFixture {
  /// Stores each value in a fresh column of `type` and returns what comes back, in order.
  std::vector<Value> roundtrip(ColumnType column_type, const std::vector<Value>& values) {
    create_table("rt", {q("v") + " " + type(column_type)});
    for (const auto& v : values) c.exec({"INSERT INTO " + q("rt") + " (" + q("v") + ") VALUES (?)", {v}});
    auto rows = c.query({"SELECT " + q("v") + " FROM " + q("rt") + " ORDER BY " + q("id"), {}});
    std::vector<Value> out;
    for (auto& row : rows.rows) out.push_back(row.at(0));
    BOOST_REQUIRE_EQUAL(out.size(), values.size());
    return out;
  }
  Value one(ColumnType column_type, const Value& v) { return roundtrip(column_type, {v}).at(0); }
};

std::string repeat(std::string_view unit, std::size_t times) {
  std::string s;
  for (std::size_t i = 0; i < times; ++i) s += unit;
  return s;
}

// Printable text of exactly n bytes with a changing pattern (so a lost or shifted part shows).
std::string text_of(std::size_t n) {
  std::string s(n, ' ');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

Bytes bytes_of(std::size_t n) {
  Bytes b;
  b.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) b.data[i] = static_cast<unsigned char>((i * 31 + i / 256) & 0xff);
  return b;
}

Time t(const char* text) { return parse_time(text); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(roundtrip, Fixture)

BOOST_AUTO_TEST_CASE(null_empty_and_space_stay_apart) {
  auto out = roundtrip(ColumnType::text, {null, std::string(""), std::string(" ")});
  BOOST_CHECK(out[0].is_null());
  BOOST_REQUIRE(out[1].is<std::string>());
  BOOST_CHECK_EQUAL(out[1].as<std::string>(), "");
  BOOST_REQUIRE(out[2].is<std::string>());
  BOOST_CHECK_EQUAL(out[2].as<std::string>(), " ");
}

BOOST_AUTO_TEST_CASE(null_in_every_column_type) {
  for (auto ct : {ColumnType::int32, ColumnType::int64, ColumnType::real, ColumnType::boolean, ColumnType::text,
                    ColumnType::bytes, ColumnType::time, ColumnType::date, ColumnType::decimal}) {
    BOOST_TEST_CONTEXT("column type " << type(ct)) { BOOST_CHECK(one(ct, null).is_null()); }
  }
}

BOOST_AUTO_TEST_CASE(int64_extremes) {
  const std::int64_t min = std::numeric_limits<std::int64_t>::min(), max = std::numeric_limits<std::int64_t>::max();
  std::vector<Value> in{min, max, std::int64_t{0}, std::int64_t{-1}, std::int64_t{2147483648LL},
                        std::int64_t{-2147483649LL}};
  auto out = roundtrip(ColumnType::int64, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_REQUIRE(out[i].is<std::int64_t>());
    BOOST_CHECK_EQUAL(out[i].as<std::int64_t>(), in[i].as<std::int64_t>());
  }
}

BOOST_AUTO_TEST_CASE(booleans) {
  auto out = roundtrip(ColumnType::boolean, {true, false});
  BOOST_CHECK_EQUAL(out[0].as<bool>(), true);
  BOOST_CHECK_EQUAL(out[1].as<bool>(), false);
}

BOOST_AUTO_TEST_CASE(doubles) {
  auto out = roundtrip(ColumnType::real, {0.1, -0.0, 1e308, -2.5, 0.30000000000000004});
  for (auto& v : out) BOOST_REQUIRE(v.is<double>());
  BOOST_CHECK_EQUAL(out[0].as<double>(), 0.1);
  BOOST_CHECK_EQUAL(out[1].as<double>(), 0.0);
  BOOST_CHECK_EQUAL(out[2].as<double>(), 1e308);
  BOOST_CHECK_EQUAL(out[3].as<double>(), -2.5);
  if (backend().keeps_negative_zero) BOOST_CHECK(std::signbit(out[1].as<double>()));
  if (backend().exact_double) {
    BOOST_CHECK_EQUAL(out[4].as<double>(), 0.30000000000000004);
  } else {
    // 15 significant digits: close, not equal.
    BOOST_CHECK_CLOSE(out[4].as<double>(), 0.30000000000000004, 1e-12);
  }
}

BOOST_AUTO_TEST_CASE(decimals) {
  std::vector<Value> in{Decimal{"12345.987"}, Decimal{"12345678901234567890123456789.123456789"},
                        Decimal{"-0.000000001"}, Decimal{"0"}};
  auto out = roundtrip(ColumnType::decimal, in);
  if (backend().exact_decimal) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      BOOST_REQUIRE(out[i].is<Decimal>());
      BOOST_CHECK_EQUAL(out[i].as<Decimal>().text, in[i].as<Decimal>().text);
    }
  } else {
    BOOST_CHECK_CLOSE(out[0].as<double>(), 12345.987, 1e-12);
    BOOST_CHECK_CLOSE(out[1].as<double>(), 1.2345678901234568e28, 1e-12);
    BOOST_CHECK_EQUAL(out[0].as<Decimal>().text, "12345.987");
  }
}

BOOST_AUTO_TEST_CASE(decimal_beyond_numeric_38_9_is_an_error_not_a_rounded_value,
                     *grant::test::only_if(&grant::test::Backend::exact_decimal, "SQLite stores REAL: no precision to exceed")) {
  create_table("rt", {q("v") + " " + type(ColumnType::decimal)});
  // 30 integer digits: NUMERIC(38,9) holds 29.
  BOOST_CHECK_THROW(c.exec({"INSERT INTO " + q("rt") + " (" + q("v") + ") VALUES (?)",
                            {Decimal{"123456789012345678901234567890.123456789"}}}),
                    DatabaseError);
}

BOOST_AUTO_TEST_CASE(utf8_text) {
  std::vector<Value> in{std::string("é"), std::string("日本"), std::string("😀"),
                        std::string("naïve café — 日本語 😀🎉 ok")};
  auto out = roundtrip(ColumnType::text, in);
  for (std::size_t i = 0; i < in.size(); ++i) BOOST_CHECK_EQUAL(out[i].as<std::string>(), in[i].as<std::string>());
  // A bound UTF-8 parameter compares equal on the server side too.
  auto rows = c.query({"SELECT COUNT(*) FROM " + q("rt") + " WHERE " + q("v") + " = ?", {std::string("日本")}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::int64_t>(), 1);
}

BOOST_AUTO_TEST_CASE(text_with_a_nul_byte_is_refused_not_cut_short) {
  // Drivers stop at the NUL (SQLite and psqlODBC stored "a" for "a\0b"): an error, not less data.
  create_table("rt", {q("v") + " " + type(ColumnType::text)});
  const std::string insert = "INSERT INTO " + q("rt") + " (" + q("v") + ") VALUES (?)";
  try {
    c.exec({insert, {std::string("a\0b", 3)}});
    BOOST_ERROR("no ConversionError");
  } catch (const ConversionError& e) {
    BOOST_CHECK(std::string(e.what()).find("NUL") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find(insert) != std::string::npos);
  }
  auto rows = c.query({"SELECT COUNT(*) FROM " + q("rt"), {}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::int64_t>(), 0);
  c.exec({insert, {std::string("ok")}});  // the cached statement is still usable
  rows = c.query({"SELECT " + q("v") + " FROM " + q("rt"), {}});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::string>(), "ok");
  // the same bytes as grant::Bytes are kept whole
  BOOST_CHECK_EQUAL(one(ColumnType::bytes, Bytes{{'a', 0, 'b'}}).as<Bytes>().data.size(), 3u);
}

BOOST_AUTO_TEST_CASE(text_sizes_around_the_read_chunk) {
  const std::size_t chunk = driver::read_chunk_bytes;
  std::vector<std::size_t> sizes{0, 1, 2};
  for (std::size_t n = chunk - 3; n <= chunk + 2; ++n) sizes.push_back(n);
  sizes.push_back(2 * chunk - 2);
  sizes.push_back(2 * chunk + 1);
  std::vector<Value> in;
  for (auto n : sizes) in.push_back(text_of(n));
  auto out = roundtrip(ColumnType::text, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST_CONTEXT("size " << sizes[i]) {
      BOOST_REQUIRE(out[i].is<std::string>());
      BOOST_CHECK_EQUAL(out[i].as<std::string>().size(), sizes[i]);
      BOOST_CHECK(out[i] == in[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(multibyte_text_split_across_parts) {
  // Two-, three- and four-byte characters whose encodings straddle every part boundary.
  const std::size_t chunk = driver::read_chunk_bytes;
  std::vector<Value> in;
  for (std::size_t pad = 0; pad < 4; ++pad) {
    in.push_back(std::string(pad, 'x') + repeat("é", chunk / 2 + 2));
    in.push_back(std::string(pad, 'x') + repeat("日", chunk / 3 + 2));
    in.push_back(std::string(pad, 'x') + repeat("😀", chunk / 4 + 2));
  }
  auto out = roundtrip(ColumnType::text, in);
  for (std::size_t i = 0; i < in.size(); ++i) BOOST_TEST_CONTEXT("value " << i) { BOOST_CHECK(out[i] == in[i]); }
}

BOOST_AUTO_TEST_CASE(bytes_sizes_around_the_read_chunk) {
  const std::size_t chunk = driver::read_chunk_bytes;
  std::vector<std::size_t> sizes{0, 1, 2};
  for (std::size_t n = chunk - 3; n <= chunk + 2; ++n) sizes.push_back(n);
  sizes.push_back(2 * chunk + 1);
  std::vector<Value> in;
  for (auto n : sizes) in.push_back(bytes_of(n));
  auto out = roundtrip(ColumnType::bytes, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST_CONTEXT("size " << sizes[i]) {
      BOOST_REQUIRE(out[i].is<Bytes>());
      BOOST_CHECK_EQUAL(out[i].as<Bytes>().data.size(), sizes[i]);
      BOOST_CHECK(out[i] == in[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(five_megabytes_of_text_and_bytes) {
  const std::size_t n = 5 * 1024 * 1024;
  Value text = text_of(n);
  Value bytes = bytes_of(n);
  BOOST_CHECK(one(ColumnType::text, text) == text);
  BOOST_CHECK(one(ColumnType::bytes, bytes) == bytes);
}

BOOST_AUTO_TEST_CASE(times_keep_microseconds_in_utc) {
  std::vector<Value> in{t("2024-03-31 01:30:00.123456"),  // EU spring-forward day
                        t("2024-10-27 02:30:00.654321"),  // EU fall-back day
                        t("2024-03-10 02:30:00.000001"),  // US spring-forward hour (absent in local time)
                        t("1970-01-01 00:00:00.000000"), t("1969-12-31 23:59:59.999999"),
                        t("2000-02-29 12:00:00.5")};
  auto out = roundtrip(ColumnType::time, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_TEST_CONTEXT(in[i].to_string()) {
      BOOST_REQUIRE(out[i].is<Time>());
      BOOST_CHECK_EQUAL(format_time(out[i].as<Time>()), format_time(in[i].as<Time>()));
    }
  }
  // A bound Time finds its row again (SQLite compares the stored text).
  auto rows = c.query({"SELECT COUNT(*) FROM " + q("rt") + " WHERE " + q("v") + " = ?", {in[0]}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::int64_t>(), 1);
  rows = c.query({"SELECT COUNT(*) FROM " + q("rt") + " WHERE " + q("v") + " > ?", {in[3]}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::int64_t>(), 4);
}

BOOST_AUTO_TEST_CASE(dates) {
  std::vector<Value> in{Date{year{2024} / 2 / 29}, Date{year{1970} / 1 / 1}, Date{year{1900} / 1 / 1},
                        Date{year{2024} / 10 / 27}};
  auto out = roundtrip(ColumnType::date, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    BOOST_REQUIRE(out[i].is<Date>());
    BOOST_CHECK_EQUAL(format_date(out[i].as<Date>()), format_date(in[i].as<Date>()));
  }
}

BOOST_AUTO_TEST_CASE(many_columns_in_one_row_with_names) {
  create_table("mix", {q("i") + " " + type(ColumnType::int64), q("s") + " " + type(ColumnType::text),
                       q("b") + " " + type(ColumnType::bytes), q("ts") + " " + type(ColumnType::time)});
  c.exec({"INSERT INTO " + q("mix") + " (" + q("i") + ", " + q("s") + ", " + q("b") + ", " + q("ts") +
              ") VALUES (?, ?, ?, ?)",
          {std::int64_t{7}, std::string("seven"), bytes_of(3), t("2024-01-02 03:04:05.060708")}});
  auto rows = c.query({"SELECT " + q("i") + ", " + q("s") + ", " + q("b") + ", " + q("ts") + " FROM " + q("mix"), {}});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.columns.size(), 4u);
  BOOST_CHECK_EQUAL(rows.at(0, "i").as<std::int64_t>(), 7);
  BOOST_CHECK_EQUAL(rows.at(0, "S").as<std::string>(), "seven");  // case-insensitive fallback
  BOOST_CHECK(rows.at(0, "b") == Value(bytes_of(3)));
  BOOST_CHECK_EQUAL(format_time(rows.at(0, "ts").as<Time>()), "2024-01-02 03:04:05.060708");
  BOOST_CHECK_THROW(rows.column_index("nope"), UnknownColumn);
}

BOOST_AUTO_TEST_CASE(same_sql_with_null_then_values_reuses_the_cached_statement) {
  create_table("rt", {q("v") + " " + type(ColumnType::int64)});
  std::string sql = "INSERT INTO " + q("rt") + " (" + q("v") + ") VALUES (?)";
  c.exec({sql, {null}});
  c.exec({sql, {std::int64_t{5}}});
  c.exec({sql, {null}});
  auto rows = c.query({"SELECT COUNT(*), SUM(" + q("v") + ") FROM " + q("rt"), {}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<std::int64_t>(), 3);
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(1).as<std::int64_t>(), 5);
}

BOOST_AUTO_TEST_SUITE_END()
