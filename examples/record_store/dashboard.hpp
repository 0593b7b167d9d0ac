// The record store's dashboard: what the demo prints, loaded two ways from the same
// queries — one after another with the sync API, or all at once with async_* and the
// coordinators — so the two can be compared figure by figure.
#pragma once

#include <grant/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace record_store {

struct ShardFigures {
  std::string shard;
  std::int64_t invoices = 0;
  double revenue = 0;  ///< sum of invoice totals, in the store's currency
  friend bool operator==(const ShardFigures&, const ShardFigures&) = default;
};

struct Ranked {
  std::string name;
  double value = 0;    ///< revenue, spend or units sold, by list
  friend bool operator==(const Ranked&, const Ranked&) = default;
};

struct RecentInvoice {
  std::int64_t id = 0;
  grant::Time date{};
  std::string customer;
  std::string country;
  double total = 0;
  friend bool operator==(const RecentInvoice&, const RecentInvoice&) = default;
};

struct Dashboard {
  std::int64_t customers = 0, invoices = 0, tracks = 0;
  double revenue = 0;
  std::vector<ShardFigures> shards;        ///< one per invoice shard, in invoice_shards order
  std::vector<Ranked> top_countries;       ///< 5, by revenue
  std::vector<Ranked> top_customers;       ///< 5, by spend
  std::vector<Ranked> top_genres;          ///< 5, by units sold
  std::vector<RecentInvoice> recent;       ///< 10, newest first
  friend bool operator==(const Dashboard&, const Dashboard&) = default;
};

/// Every query in turn, each awaited before the next (the sync baseline).
Dashboard load_sequential();

/// Every query issued at once through a Coordinator and a ResultCoordinator, across the
/// primary and the three invoice shards, then awaited together (load_dashboard_data_async).
Dashboard load_concurrent();

/// Money rounded to cents, so sums taken in different orders compare equal.
double cents(double amount);

}  // namespace record_store
