// Parameter binding by the C++ type of each Value (never by the type the driver
// describes, which differs between drivers; every length and indicator is an SQLLEN).
#include "drivers/odbc/diagnostics.hpp"
#include "drivers/odbc/statement_io.hpp"

#include <grant/errors.hpp>

#include <chrono>

namespace grant::driver::odbc {
namespace {

SQLULEN size_or_one(std::size_t n) { return n == 0 ? 1 : static_cast<SQLULEN>(n); }

// An empty vector's data() is null, which psqlODBC rejects ("unexpected NULL parameter
// value") and the SQLite driver stores as NULL: zero-length values point here instead.
unsigned char empty_value[1] = {0};

}  // namespace

void ParamBuffers::bind(SQLHSTMT stmt, const std::vector<Value>& params, const Quirks& quirks, const Where& where) {
  using namespace std::chrono;
  // Bound addresses must not move: size the vector once, before the first bind.
  slots_.clear();
  slots_.resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    Slot& slot = slots_[i];
    const Value& v = params[i];
    auto n = static_cast<SQLUSMALLINT>(i + 1);
    SQLSMALLINT c_type = SQL_C_CHAR, sql_type = SQL_VARCHAR, digits = 0;
    SQLULEN column_size = 1;
    SQLPOINTER data = nullptr;
    SQLLEN buffer_length = 0;

    auto as_text = [&](std::string text, SQLSMALLINT type) {
      slot.text = std::move(text);
      data = slot.text.data();
      slot.indicator = static_cast<SQLLEN>(slot.text.size());
      buffer_length = slot.indicator;
      column_size = size_or_one(slot.text.size());
      sql_type = type;
    };

    const auto& s = v.storage();
    if (v.is_null()) {
      // A typed NULL that every driver accepts for any column type (psqlODBC sends it as
      // an untyped parameter, so the server infers the column's type).
      c_type = SQL_C_CHAR;
      sql_type = SQL_VARCHAR;
      slot.indicator = SQL_NULL_DATA;
    } else if (auto p = std::get_if<bool>(&s)) {
      slot.bit = *p ? 1 : 0;
      c_type = SQL_C_BIT, sql_type = SQL_BIT, data = &slot.bit;
      slot.indicator = 0;
    } else if (auto p = std::get_if<std::int64_t>(&s)) {
      slot.i = *p;
      c_type = SQL_C_SBIGINT, sql_type = SQL_BIGINT, data = &slot.i, column_size = 19;
      slot.indicator = 0;
    } else if (auto p = std::get_if<double>(&s)) {
      slot.d = *p;
      c_type = SQL_C_DOUBLE, sql_type = SQL_DOUBLE, data = &slot.d, column_size = 15;
      slot.indicator = 0;
    } else if (auto p = std::get_if<std::string>(&s)) {
      // psqlODBC and the SQLite driver cut text at a NUL byte although the length is
      // given: refuse it rather than store a shorter string without a word.
      if (auto nul = p->find('\0'); nul != std::string::npos)
        throw ConversionError("parameter " + std::to_string(n) + " is text with a NUL byte at offset " +
                              std::to_string(nul) + ", which the drivers would cut off there: bind it as grant::Bytes (shard " +
                              where.shard + ") SQL: " + where.sql);
      data = const_cast<char*>(p->data());
      slot.indicator = static_cast<SQLLEN>(p->size());
      buffer_length = slot.indicator;
      column_size = size_or_one(p->size());
      c_type = SQL_C_CHAR, sql_type = SQL_VARCHAR;
    } else if (auto p = std::get_if<Bytes>(&s)) {
      data = p->data.empty() ? empty_value : const_cast<unsigned char*>(p->data.data());
      slot.indicator = static_cast<SQLLEN>(p->data.size());
      buffer_length = slot.indicator;
      column_size = size_or_one(p->data.size());
      c_type = SQL_C_BINARY, sql_type = SQL_VARBINARY;
    } else if (auto p = std::get_if<Time>(&s)) {
      if (quirks.time_as_text) {
        as_text(format_time(*p), SQL_VARCHAR);
      } else {
        auto day = floor<days>(*p);
        year_month_day ymd{day};
        hh_mm_ss<microseconds> tod{*p - day};
        slot.ts.year = static_cast<SQLSMALLINT>(static_cast<int>(ymd.year()));
        slot.ts.month = static_cast<SQLUSMALLINT>(static_cast<unsigned>(ymd.month()));
        slot.ts.day = static_cast<SQLUSMALLINT>(static_cast<unsigned>(ymd.day()));
        slot.ts.hour = static_cast<SQLUSMALLINT>(tod.hours().count());
        slot.ts.minute = static_cast<SQLUSMALLINT>(tod.minutes().count());
        slot.ts.second = static_cast<SQLUSMALLINT>(tod.seconds().count());
        slot.ts.fraction = static_cast<SQLUINTEGER>(tod.subseconds().count() * 1000);  // nanoseconds
        c_type = SQL_C_TYPE_TIMESTAMP, sql_type = SQL_TYPE_TIMESTAMP, data = &slot.ts;
        column_size = 26, digits = 6;  // "YYYY-MM-DD HH:MM:SS.ffffff": 6 fraction digits
        slot.indicator = sizeof(slot.ts);
      }
    } else if (auto p = std::get_if<Date>(&s)) {
      if (quirks.date_as_text) {
        as_text(format_date(*p), SQL_VARCHAR);
      } else {
        year_month_day ymd{*p};
        slot.date.year = static_cast<SQLSMALLINT>(static_cast<int>(ymd.year()));
        slot.date.month = static_cast<SQLUSMALLINT>(static_cast<unsigned>(ymd.month()));
        slot.date.day = static_cast<SQLUSMALLINT>(static_cast<unsigned>(ymd.day()));
        c_type = SQL_C_TYPE_DATE, sql_type = SQL_TYPE_DATE, data = &slot.date, column_size = 10;
        slot.indicator = sizeof(slot.date);
      }
    } else if (auto p = std::get_if<Decimal>(&s)) {
      // Text keeps every digit; the SQL type tells the server it is a number.
      as_text(p->text, SQL_NUMERIC);
      column_size = 38;
      auto dot = p->text.find('.');
      digits = static_cast<SQLSMALLINT>(dot == std::string::npos ? 0 : p->text.size() - dot - 1);
    }
    SQLRETURN rc = SQLBindParameter(stmt, n, SQL_PARAM_INPUT, c_type, sql_type, column_size, digits, data,
                                    buffer_length, &slot.indicator);
    if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, stmt, rc, where.sql, where.shard);
  }
}

}  // namespace grant::driver::odbc
