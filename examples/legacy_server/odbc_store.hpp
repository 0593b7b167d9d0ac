// The same warehouse as store.hpp written against raw ODBC, the way a legacy server would
// do it without Grant: one connection per connection thread and region (opened on first
// use, closed when the thread ends), hand-bound parameters, transactions as SQL text.
// Used by legacy_server_bench to compare the server on Grant with the server on raw ODBC.
#pragma once

#include "examples/legacy_server/store.hpp"

#include <map>
#include <string>

namespace legacy_server {

class OdbcStore : public StoreApi {
 public:
  /// `connections`: region -> ODBC connection string. Tables as Store::reset() made them.
  explicit OdbcStore(std::map<std::string, std::string> connections);
  std::optional<std::int64_t> stock(const std::string& region, const std::string& sku) const override;
  OrderOutcome place_order(const std::string& region, const std::string& customer, const std::string& sku,
                           std::int64_t quantity) const override;
  /// One region after another (raw ODBC offers no fan-out).
  Report report() const override;

 private:
  std::map<std::string, std::string> connections_;
};

}  // namespace legacy_server
