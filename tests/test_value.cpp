// grant::Value conversions, Time/Date text forms and Rows::column_index (no database).
#define BOOST_TEST_MODULE test_value
#include <boost/test/unit_test.hpp>

#include <grant/errors.hpp>
#include <grant/value.hpp>

#include <cmath>
#include <limits>

using namespace grant;
using namespace std::chrono;

namespace {
bool message_has(const ConversionError& e, const char* text) {
  return std::string(e.what()).find(text) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(time_and_date_text)

BOOST_AUTO_TEST_CASE(parse_time_accepts_the_iso_forms) {
  const Time expected = sys_days{year{2024} / 3 / 31} + hours{1} + minutes{30} + microseconds{123456};
  for (const char* text : {"2024-03-31 01:30:00.123456", "2024-03-31T01:30:00.123456", "2024-03-31 01:30:00.123456Z",
                           "2024-03-31 01:30:00.123456+00", "2024-03-31 01:30:00.123456+00:00",
                           "2024-03-31 03:30:00.123456+02:00", "2024-03-30 23:30:00.123456-02",
                           "2024-03-31 01:30:00.123456000"}) {
    BOOST_TEST_CONTEXT(text) { BOOST_CHECK(parse_time(text) == expected); }
  }
  BOOST_CHECK(parse_time("2024-03-31 01:30:00") == sys_days{year{2024} / 3 / 31} + hours{1} + minutes{30});
  BOOST_CHECK(parse_time("2024-03-31 01:30:00.5") ==
              sys_days{year{2024} / 3 / 31} + hours{1} + minutes{30} + milliseconds{500});
}

BOOST_AUTO_TEST_CASE(parse_time_rejects_anything_else) {
  for (const char* text : {"", "2024-03-31", "2023-02-29 00:00:00", "2024-03-31 24:00:00", "2024-03-31 01:60:00",
                           "2024-03-31 01:30:00.", "2024-03-31 01:30:00.1234567", "2024-03-31 01:30:00 junk",
                           "24-03-31 01:30:00", "2024-3-31 01:30:00"}) {
    BOOST_TEST_CONTEXT("'" << text << "'") { BOOST_CHECK_THROW(parse_time(text), ConversionError); }
  }
}

BOOST_AUTO_TEST_CASE(format_time_is_utc_with_six_digits) {
  BOOST_CHECK_EQUAL(format_time(parse_time("2024-10-27 02:30:00.654321")), "2024-10-27 02:30:00.654321");
  BOOST_CHECK_EQUAL(format_time(Time{}), "1970-01-01 00:00:00.000000");
  BOOST_CHECK_EQUAL(format_time(Time{} - microseconds{1}), "1969-12-31 23:59:59.999999");
  BOOST_CHECK_EQUAL(format_time(parse_time("2000-02-29 12:00:00.5")), "2000-02-29 12:00:00.500000");
}

BOOST_AUTO_TEST_CASE(dates) {
  BOOST_CHECK(parse_date("2024-02-29") == sys_days{year{2024} / 2 / 29});
  BOOST_CHECK_EQUAL(format_date(sys_days{year{1900} / 1 / 1}), "1900-01-01");
  BOOST_CHECK_THROW(parse_date("2023-02-29"), ConversionError);
  BOOST_CHECK_THROW(parse_date("2024-02-29 00:00:00"), ConversionError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(conversions)

BOOST_AUTO_TEST_CASE(to_integers) {
  BOOST_CHECK_EQUAL(Value(std::int64_t{42}).as<std::int64_t>(), 42);
  BOOST_CHECK_EQUAL(Value("42").as<int>(), 42);
  BOOST_CHECK_EQUAL(Value("-9223372036854775808").as<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  BOOST_CHECK_EQUAL(Value(Decimal{"42.000000000"}).as<std::int64_t>(), 42);  // a NUMERIC SUM
  BOOST_CHECK_EQUAL(Value(3.0).as<std::int64_t>(), 3);
  BOOST_CHECK_EQUAL(Value(true).as<int>(), 1);
  BOOST_CHECK_THROW(Value(3.5).as<std::int64_t>(), ConversionError);
  BOOST_CHECK_THROW(Value(1e19).as<std::int64_t>(), ConversionError);
  BOOST_CHECK_THROW(Value("42.5").as<std::int64_t>(), ConversionError);
  BOOST_CHECK_THROW(Value("9223372036854775808").as<std::int64_t>(), ConversionError);
  BOOST_CHECK_THROW(Value("forty").as<int>(), ConversionError);
  BOOST_CHECK_THROW(Value(std::int64_t{1} << 40).as<int>(), ConversionError);
  BOOST_CHECK_THROW(Value(-1).as<unsigned>(), ConversionError);
  BOOST_CHECK_THROW(Value(null).as<int>(), ConversionError);
}

BOOST_AUTO_TEST_CASE(to_double) {
  BOOST_CHECK_EQUAL(Value(0.1).as<double>(), 0.1);
  BOOST_CHECK_EQUAL(Value(7).as<double>(), 7.0);
  BOOST_CHECK_EQUAL(Value("0.30000000000000004").as<double>(), 0.30000000000000004);
  BOOST_CHECK_EQUAL(Value(Decimal{"12345.987"}).as<double>(), 12345.987);
  BOOST_CHECK_THROW(Value("abc").as<double>(), ConversionError);
  BOOST_CHECK_THROW(Value(true).as<double>(), ConversionError);
}

BOOST_AUTO_TEST_CASE(to_bool) {
  for (const char* t : {"1", "t", "true", "TRUE"}) BOOST_CHECK(Value(t).as<bool>());
  for (const char* f : {"0", "f", "false", "False"}) BOOST_CHECK(!Value(f).as<bool>());
  BOOST_CHECK(Value(1).as<bool>());
  BOOST_CHECK_THROW(Value(2).as<bool>(), ConversionError);
  BOOST_CHECK_THROW(Value("yes please").as<bool>(), ConversionError);
}

BOOST_AUTO_TEST_CASE(to_string_and_canonical_text) {
  BOOST_CHECK_EQUAL(Value("é").as<std::string>(), "é");
  BOOST_CHECK_EQUAL(Value(std::int64_t{-5}).as<std::string>(), "-5");
  BOOST_CHECK_EQUAL(Value(parse_time("2024-01-02 03:04:05")).as<std::string>(), "2024-01-02 03:04:05.000000");
  BOOST_CHECK_EQUAL(Value(Bytes{{0x00, 0xab}}).to_string(), "00ab");
  BOOST_CHECK_EQUAL(Value(-0.0).to_string(), "-0");
  BOOST_CHECK_EQUAL(Value(null).to_string(), "NULL");
  BOOST_CHECK_EQUAL(Value(false).to_string(), "false");
  BOOST_CHECK_THROW(Value(null).as<std::string>(), ConversionError);
}

BOOST_AUTO_TEST_CASE(to_decimal) {
  BOOST_CHECK_EQUAL(Value("0012.3400").as<Decimal>().text, "12.34");
  BOOST_CHECK_EQUAL(Value("-0.000").as<Decimal>().text, "0");
  BOOST_CHECK_EQUAL(Value("+5.").as<Decimal>().text, "5");
  BOOST_CHECK_EQUAL(Value(".5").as<Decimal>().text, "0.5");
  BOOST_CHECK_EQUAL(Value(0.1).as<Decimal>().text, "0.1");
  BOOST_CHECK_EQUAL(Value(1e20).as<Decimal>().text, "100000000000000000000");
  BOOST_CHECK_EQUAL(Value(std::int64_t{-7}).as<Decimal>().text, "-7");
  BOOST_CHECK_THROW(Value("1e5").as<Decimal>(), ConversionError);
  BOOST_CHECK_THROW(Value(".").as<Decimal>(), ConversionError);
  BOOST_CHECK_THROW(Value(std::numeric_limits<double>::infinity()).as<Decimal>(), ConversionError);
}

BOOST_AUTO_TEST_CASE(to_time_date_bytes_and_optional) {
  BOOST_CHECK(Value("2024-03-31 01:30:00.123456").as<Time>() == parse_time("2024-03-31 01:30:00.123456"));
  BOOST_CHECK(Value(sys_days{year{2024} / 1 / 1}).as<Time>() == Time{sys_days{year{2024} / 1 / 1}});
  BOOST_CHECK(Value(Time{sys_days{year{2024} / 1 / 1}}).as<Date>() == sys_days{year{2024} / 1 / 1});
  BOOST_CHECK_THROW(Value(parse_time("2024-01-01 00:00:01")).as<Date>(), ConversionError);
  BOOST_CHECK_THROW(Value(5).as<Time>(), ConversionError);
  BOOST_CHECK(Value("ab").as<Bytes>() == (Bytes{{'a', 'b'}}));
  BOOST_CHECK(!Value(null).as<std::optional<int>>().has_value());
  BOOST_CHECK_EQUAL(*Value(3).as<std::optional<int>>(), 3);
}

BOOST_AUTO_TEST_CASE(messages_name_the_types_and_the_value) {
  try {
    Value("forty").as<int>();
    BOOST_FAIL("no error");
  } catch (const ConversionError& e) {
    BOOST_CHECK(message_has(e, "text"));
    BOOST_CHECK(message_has(e, "forty"));
    BOOST_CHECK(message_has(e, "integer"));
  }
}

BOOST_AUTO_TEST_CASE(type_names) {
  BOOST_CHECK_EQUAL(Value().type_name(), "null");
  BOOST_CHECK_EQUAL(Value(1).type_name(), "int");
  BOOST_CHECK_EQUAL(Value(Decimal{"1"}).type_name(), "decimal");
  BOOST_CHECK_EQUAL(Value(sys_days{}).type_name(), "date");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(column_index_prefers_the_exact_name) {
  Rows rows;
  rows.columns = {"Name", "name", "id"};
  rows.rows = {{Value("A"), Value("a"), Value(1)}};
  BOOST_CHECK_EQUAL(rows.column_index("name"), 1u);
  BOOST_CHECK_EQUAL(rows.column_index("NAME"), 0u);
  BOOST_CHECK_EQUAL(rows.at(0, "ID").as<int>(), 1);
  try {
    rows.column_index("missing");
    BOOST_FAIL("no error");
  } catch (const UnknownColumn& e) {
    BOOST_CHECK_EQUAL(e.column(), "missing");
    BOOST_CHECK_EQUAL(e.model(), "result");
  }
}
