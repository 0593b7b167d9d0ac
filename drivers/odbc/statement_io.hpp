// Moving values in and out of an ODBC statement: parameters bound by the C++ type of each
// grant::Value, columns fetched by the SQL type the driver describes (docs/drivers.md).
#pragma once

#include <grant/value.hpp>

#include "drivers/driver.hpp"

#include <sql.h>
#include <sqlext.h>

#include <cstddef>
#include <string>
#include <vector>

namespace grant::driver::odbc {

/// How one driver wants some types carried (chosen per dialect when connecting).
struct Quirks {
  /// Bind Time as text "YYYY-MM-DD HH:MM:SS.ffffff" and read TIMESTAMP columns as text.
  /// SQLite: its ODBC driver keeps only milliseconds of SQL_TIMESTAMP_STRUCT fractions.
  bool time_as_text = false;
  /// Same for Date ("YYYY-MM-DD").
  bool date_as_text = false;
  /// Check PRAGMA schema_version before each statement and drop cached statements when it
  /// moved (SQLite: its driver keeps the columns described at prepare time, so after DDL a
  /// cached SELECT would silently return the old shape; see OdbcConnection).
  bool check_schema_version = false;
};

/// Where errors point: the SQL as messages show it, and the shard.
struct Where {
  const std::string& sql;
  const std::string& shard;
};

/// Storage that must stay alive and unmoved from SQLBindParameter until the statement has
/// run. Text and bytes point into the Values themselves (no copy of a 5 MB blob).
class ParamBuffers {
 public:
  /// Binds every parameter (1-based positions) of `stmt`. Throws DatabaseError.
  void bind(SQLHSTMT stmt, const std::vector<Value>& params, const Quirks& quirks, const Where& where);

 private:
  struct Slot {
    std::int64_t i = 0;
    double d = 0;
    unsigned char bit = 0;
    SQL_TIMESTAMP_STRUCT ts{};
    SQL_DATE_STRUCT date{};
    std::string text;
    SQLLEN indicator = 0;
  };
  std::vector<Slot> slots_;
};

/// How a column is read, chosen from its described SQL type.
enum class ReadAs { int64, real, boolean, decimal, time, date, bytes, text, time_text, date_text };

struct Column {
  std::string name;
  SQLSMALLINT sql_type = 0;
  ReadAs read = ReadAs::text;
};

/// Size of the buffer SQLGetData fills per call for text and bytes (driver.hpp).
inline constexpr std::size_t read_chunk = grant::driver::read_chunk_bytes;

/// Columns of the current result set (none for a statement without one).
std::vector<Column> describe_columns(SQLHSTMT stmt, const Quirks& quirks, const Where& where);

/// Reads column `index` (1-based) of the current row. Throws DatabaseError.
Value read_column(SQLHSTMT stmt, SQLUSMALLINT index, const Column& column, std::vector<char>& buffer,
                  const Where& where);

}  // namespace grant::driver::odbc
