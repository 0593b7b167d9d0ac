// The warehouse behind the legacy server: products with stock and orders, one set per
// region; each region is a Grant shard. Every function is called from the server's
// connection threads (plain std::threads) and uses the library's sync API, except
// report(), which fans out with async_* and a Coordinator.
#pragma once

#include <grant/grant.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace legacy_server {

struct Product : grant::Model<Product> {
  std::optional<std::int64_t> id;
  std::string sku;
  std::int64_t price_cents = 0;
  std::int64_t stock = 0;
  static auto schema() {
    return grant::Schema<Product>("products").primary_key().columns("sku", &Product::sku, "price_cents",
                                                                    &Product::price_cents, "stock", &Product::stock);
  }
};

struct Order : grant::Model<Order> {
  std::optional<std::int64_t> id;
  std::string customer;
  std::string sku;
  std::int64_t quantity = 0;
  std::int64_t total_cents = 0;
  static auto schema() {
    return grant::Schema<Order>("orders").primary_key().columns("customer", &Order::customer, "sku", &Order::sku,
                                                                "quantity", &Order::quantity, "total_cents",
                                                                &Order::total_cents);
  }
};

/// A new product record.
inline Product product(std::string sku, std::int64_t price_cents, std::int64_t stock) {
  Product p;
  p.sku = std::move(sku);
  p.price_cents = price_cents;
  p.stock = stock;
  return p;
}

/// What an ORDER request ends with.
struct OrderOutcome {
  bool placed = false;         ///< false: not enough stock (nothing was written)
  std::int64_t order_id = 0;
  std::int64_t total_cents = 0;
};

/// Totals over every region (REPORT).
struct Report {
  std::int64_t orders = 0;
  std::int64_t units = 0;
  std::int64_t revenue_cents = 0;
  std::int64_t stock = 0;
};

/// What the server asks of its database layer: Store (on Grant) or OdbcStore (raw ODBC,
/// for the comparison in legacy_server_bench). Called from many threads at once.
class StoreApi {
 public:
  virtual ~StoreApi() = default;
  virtual std::optional<std::int64_t> stock(const std::string& region, const std::string& sku) const = 0;
  virtual OrderOutcome place_order(const std::string& region, const std::string& customer, const std::string& sku,
                                   std::int64_t quantity) const = 0;
  virtual Report report() const = 0;
};

class Store : public StoreApi {
 public:
  /// `regions`: shard names of the live grant::Runtime.
  explicit Store(std::vector<std::string> regions) : regions_(std::move(regions)) {}
  const std::vector<std::string>& regions() const { return regions_; }

  /// Drops and creates the tables on every region and puts `skus` in stock there.
  void reset(const std::vector<Product>& skus) const;
  /// Units in stock, or nullopt for an unknown sku. Throws grant::UnknownShard for a region
  /// that is not configured.
  std::optional<std::int64_t> stock(const std::string& region, const std::string& sku) const override;
  /// One transaction on the region's shard: take the stock (only if enough is left, so
  /// concurrent orders never oversell), then write the order.
  OrderOutcome place_order(const std::string& region, const std::string& customer, const std::string& sku,
                           std::int64_t quantity) const override;
  /// Counts and sums of every region at once (async_* and a Coordinator).
  Report report() const override;

 private:
  std::vector<std::string> regions_;
};

}  // namespace legacy_server
