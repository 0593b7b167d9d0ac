// Creates the record store's tables and fills them from the Chinook script, through the
// library itself: the migrator makes the tables, Model::create writes every row.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace record_store {

/// Called as rows are written: step name ("tracks", "invoices"), rows done, rows in the step.
using Progress = std::function<void(std::string_view step, std::size_t done, std::size_t total)>;

/// Drops and creates every table on its shards (catalogue on "primary", invoices on the
/// three invoice shards). Needs a grant::Runtime with those four shards.
void create_schema();

/// Fills the tables from the Chinook script at `script_path`. Each table is written in one
/// transaction per shard; the three invoice shards are filled concurrently, one fiber each.
/// Throws grant::Error (or std::runtime_error for a bad script) and leaves no half table:
/// a failed step rolls its transaction back.
void load(const std::string& script_path, const Progress& progress = {});

/// True if "primary" already holds the catalogue (a non-empty tracks table).
bool is_loaded();

}  // namespace record_store
