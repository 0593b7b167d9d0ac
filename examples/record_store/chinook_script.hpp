// Reads the rows of the Chinook SQL script (tools/data/chinook/Chinook_Sqlite.sql).
//
// The script is a generated file of `INSERT INTO [Table] ([Col], ...) VALUES (...), (...);`
// statements. We read its literal rows into grant::Values and write them through the ORM
// ourselves, so that the same load works on every backend and can route invoices to shards.
// Only what the script uses is understood: integers, decimals, 'text' with '' escapes, NULL.
#pragma once

#include <grant/value.hpp>

#include <map>
#include <string>
#include <vector>

namespace record_store {

struct ScriptTable {
  std::vector<std::string> columns;          ///< as written in the script, e.g. "InvoiceId"
  std::vector<std::vector<grant::Value>> rows;

  /// Index of `column`; throws std::out_of_range naming it.
  std::size_t index(const std::string& column) const;
};

/// Table name -> its rows. Throws std::runtime_error with the line number on anything the
/// reader does not understand, and when the file cannot be opened.
std::map<std::string, ScriptTable> read_chinook_script(const std::string& path);

}  // namespace record_store
