#include "examples/legacy_server/store.hpp"

#include <stdexcept>

namespace legacy_server {

void Store::reset(const std::vector<Product>& skus) const {
  for (const auto& region : regions_) {
    Product::migrator(region).drop_and_create();
    Order::migrator(region).drop_and_create();
    for (Product p : skus) {
      p.use_shard(region);
      p.save_or_throw();
    }
  }
}

std::optional<std::int64_t> Store::stock(const std::string& region, const std::string& sku) const {
  auto product = Product::shard(region).find_by({{"sku", sku}});
  if (!product) return std::nullopt;
  return product->stock;
}

OrderOutcome Store::place_order(const std::string& region, const std::string& customer, const std::string& sku,
                                std::int64_t quantity) const {
  if (quantity <= 0) throw std::invalid_argument("quantity must be positive");
  grant::Shard shard = grant::Runtime::current().shard(region);
  OrderOutcome outcome;
  shard.transaction([&] {
    // The guarded decrement is the stock check: under any isolation level two orders
    // cannot both take the last units.
    std::int64_t taken = shard.exec("UPDATE products SET stock = stock - ? WHERE sku = ? AND stock >= ?",
                                    {quantity, sku, quantity});
    if (taken != 1) return;
    Product product = Product::shard(region).find_by_or_throw({{"sku", sku}});
    Order order;
    order.use_shard(region);
    order.customer = customer;
    order.sku = sku;
    order.quantity = quantity;
    order.total_cents = quantity * product.price_cents;
    order.save_or_throw();
    outcome = {true, *order.id, order.total_cents};
  });
  return outcome;
}

Report Store::report() const {
  grant::async::Coordinator all;
  for (const auto& region : regions_) {
    all.add(Order::shard(region).async_count());
    all.add(Order::shard(region).async_sum<std::int64_t>("quantity"));
    all.add(Order::shard(region).async_sum<std::int64_t>("total_cents"));
    all.add(Product::shard(region).async_sum<std::int64_t>("stock"));
  }
  auto results = all.await_all_or_throw();
  Report r;
  for (std::size_t i = 0; i < regions_.size(); ++i) {
    r.orders += results.get<std::int64_t>(4 * i);
    r.units += results.get<std::int64_t>(4 * i + 1);
    r.revenue_cents += results.get<std::int64_t>(4 * i + 2);
    r.stock += results.get<std::int64_t>(4 * i + 3);
  }
  return r;
}

}  // namespace legacy_server
