// Column description and fetching (docs/drivers.md: read text as text and bytea as binary, loop
// SQLGetData on 01004, the indicator may be SQL_NO_TOTAL, NULL is SQL_NULL_DATA).
#include "drivers/odbc/diagnostics.hpp"
#include "drivers/odbc/statement_io.hpp"

#include <chrono>

namespace grant::driver::odbc {
namespace {

ReadAs read_as(SQLSMALLINT type, const Quirks& quirks) {
  switch (type) {
    case SQL_BIGINT:
    case SQL_INTEGER:
    case SQL_SMALLINT:
    case SQL_TINYINT:
      return ReadAs::int64;
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE:
      return ReadAs::real;
    case SQL_DECIMAL:
    case SQL_NUMERIC:
      return ReadAs::decimal;
    case SQL_BIT:
      return ReadAs::boolean;
    case SQL_TYPE_TIMESTAMP:
    case SQL_TIMESTAMP:
      return quirks.time_as_text ? ReadAs::time_text : ReadAs::time;
    case SQL_TYPE_DATE:
    case SQL_DATE:
      return quirks.date_as_text ? ReadAs::date_text : ReadAs::date;
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY:
      return ReadAs::bytes;
    default:
      return ReadAs::text;
  }
}

// Fixed-size read: false if the value is NULL.
template <class T>
bool get_fixed(SQLHSTMT stmt, SQLUSMALLINT index, SQLSMALLINT c_type, T& out, const Where& where) {
  SQLLEN indicator = 0;
  SQLRETURN rc = SQLGetData(stmt, index, c_type, &out, sizeof(T), &indicator);
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, stmt, rc, where.sql, where.shard);
  return indicator != SQL_NULL_DATA;
}

// Variable-length read in parts; false if NULL. Text parts end in a NUL the driver adds.
bool get_long(SQLHSTMT stmt, SQLUSMALLINT index, bool text, std::vector<char>& buffer, std::string& out,
              const Where& where) {
  const SQLSMALLINT c_type = text ? SQL_C_CHAR : SQL_C_BINARY;
  const std::size_t terminator = text ? 1 : 0;
  if (buffer.size() < read_chunk) buffer.resize(read_chunk);
  std::size_t capacity = read_chunk;  // the first part is always one chunk: tests probe that edge
  out.clear();
  for (;;) {
    SQLLEN indicator = 0;
    SQLRETURN rc = SQLGetData(stmt, index, c_type, buffer.data(), static_cast<SQLLEN>(capacity), &indicator);
    if (rc == SQL_NO_DATA) return true;  // every part already read
    if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, stmt, rc, where.sql, where.shard);
    if (indicator == SQL_NULL_DATA) return false;
    bool more = false;
    if (rc == SQL_SUCCESS_WITH_INFO) more = has_state(diagnostics(SQL_HANDLE_STMT, stmt), "01004");
    if (!more) {
      // Last part: the indicator is its length (or SQL_NO_TOTAL from a driver that does not
      // know; then the part fills at most the buffer and, for text, is NUL-terminated).
      std::size_t n = indicator == SQL_NO_TOTAL
                          ? (text ? std::char_traits<char>::length(buffer.data()) : capacity)
                          : static_cast<std::size_t>(indicator);
      out.append(buffer.data(), std::min(n, capacity - terminator));
      return true;
    }
    out.append(buffer.data(), capacity - terminator);
    // The indicator is the length still unread before this part; grow to take the rest at once.
    if (indicator != SQL_NO_TOTAL && indicator > static_cast<SQLLEN>(capacity - terminator)) {
      std::size_t rest = static_cast<std::size_t>(indicator) - (capacity - terminator) + terminator;
      if (rest > buffer.size()) buffer.resize(rest);
      capacity = rest;
    } else {
      capacity = buffer.size();
    }
  }
}

}  // namespace

std::vector<Column> describe_columns(SQLHSTMT stmt, const Quirks& quirks, const Where& where) {
  SQLSMALLINT count = 0;
  SQLRETURN rc = SQLNumResultCols(stmt, &count);
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, stmt, rc, where.sql, where.shard);
  std::vector<Column> columns(static_cast<std::size_t>(count));
  for (SQLSMALLINT i = 1; i <= count; ++i) {
    std::vector<SQLCHAR> name(256);
    SQLSMALLINT name_length = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    rc = SQLDescribeCol(stmt, static_cast<SQLUSMALLINT>(i), name.data(), static_cast<SQLSMALLINT>(name.size()),
                        &name_length, &type, &size, &digits, &nullable);
    if (SQL_SUCCEEDED(rc) && name_length >= static_cast<SQLSMALLINT>(name.size())) {
      name.resize(static_cast<std::size_t>(name_length) + 1);
      rc = SQLDescribeCol(stmt, static_cast<SQLUSMALLINT>(i), name.data(), static_cast<SQLSMALLINT>(name.size()),
                          &name_length, &type, &size, &digits, &nullable);
    }
    if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, stmt, rc, where.sql, where.shard);
    Column& c = columns[static_cast<std::size_t>(i - 1)];
    c.name.assign(reinterpret_cast<char*>(name.data()), static_cast<std::size_t>(std::max<SQLSMALLINT>(name_length, 0)));
    c.sql_type = type;
    c.read = read_as(type, quirks);
  }
  return columns;
}

Value read_column(SQLHSTMT stmt, SQLUSMALLINT index, const Column& column, std::vector<char>& buffer,
                  const Where& where) {
  using namespace std::chrono;
  switch (column.read) {
    case ReadAs::int64: {
      SQLBIGINT v = 0;
      return get_fixed(stmt, index, SQL_C_SBIGINT, v, where) ? Value(static_cast<std::int64_t>(v)) : Value();
    }
    case ReadAs::real: {
      double v = 0;
      return get_fixed(stmt, index, SQL_C_DOUBLE, v, where) ? Value(v) : Value();
    }
    case ReadAs::boolean: {
      unsigned char v = 0;
      return get_fixed(stmt, index, SQL_C_BIT, v, where) ? Value(v != 0) : Value();
    }
    case ReadAs::time: {
      SQL_TIMESTAMP_STRUCT ts{};
      if (!get_fixed(stmt, index, SQL_C_TYPE_TIMESTAMP, ts, where)) return Value();
      year_month_day ymd{year{ts.year}, month{ts.month}, day{ts.day}};
      return Value(Time{sys_days{ymd}} + hours{ts.hour} + minutes{ts.minute} + seconds{ts.second} +
                   microseconds{ts.fraction / 1000});
    }
    case ReadAs::date: {
      SQL_DATE_STRUCT d{};
      if (!get_fixed(stmt, index, SQL_C_TYPE_DATE, d, where)) return Value();
      return Value(Date{year_month_day{year{d.year}, month{d.month}, day{d.day}}});
    }
    case ReadAs::bytes: {
      std::string raw;
      if (!get_long(stmt, index, false, buffer, raw, where)) return Value();
      return Value(Bytes{{raw.begin(), raw.end()}});
    }
    case ReadAs::decimal:
    case ReadAs::text:
    case ReadAs::time_text:
    case ReadAs::date_text: {
      std::string text;
      if (!get_long(stmt, index, true, buffer, text, where)) return Value();
      // A value that does not parse stays text: SQLite lets any column hold anything, and
      // text keeps every byte for the caller's as<T>() to judge.
      if (column.read == ReadAs::decimal) {
        if (auto c = grant::detail::canonical_decimal(text)) return Value(Decimal{*c});
      } else if (column.read == ReadAs::time_text) {
        Value v(text);
        try {
          return Value(v.as<Time>());
        } catch (const std::exception&) {
        }
      } else if (column.read == ReadAs::date_text) {
        Value v(text);
        try {
          return Value(v.as<Date>());
        } catch (const std::exception&) {
        }
      }
      return Value(std::move(text));
    }
  }
  return Value();
}

}  // namespace grant::driver::odbc
