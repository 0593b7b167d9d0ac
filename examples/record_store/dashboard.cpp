// Both loaders issue the same queries (the Queries struct below); they differ only in
// when they await. Cross-shard figures are merged here, in memory, since no database
// holds them all.
#include "dashboard.hpp"

#include "models.hpp"
#include "shards.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace record_store {
namespace {

using grant::AsyncResult;
using grant::Rows;

// The queries of one dashboard, started but not awaited.
struct ShardQueries {
  AsyncResult<std::int64_t> invoices;
  AsyncResult<double> revenue;
  AsyncResult<Rows> revenue_by_country;   // billing_country, revenue
  AsyncResult<Rows> spend_by_customer;    // customer_id, spend
  AsyncResult<Rows> units_by_track;       // track_id, units
  AsyncResult<std::vector<Invoice>> recent;
};

ShardQueries start_shard(std::string_view name) {
  std::string s(name);
  return ShardQueries{
      Invoice::shard(s).async_count(),
      Invoice::shard(s).async_sum("total"),
      Invoice::shard(s).group("billing_country").select("billing_country", "SUM(total) AS revenue").async_rows(),
      Invoice::shard(s).group("customer_id").select("customer_id", "SUM(total) AS spend").async_rows(),
      InvoiceLine::shard(s).group("track_id").select("track_id", "SUM(quantity) AS units").async_rows(),
      Invoice::shard(s).order("invoice_date", grant::desc).order("id", grant::desc).limit(10).async_all(),
  };
}

struct PrimaryQueries {
  AsyncResult<std::int64_t> customers = Customer::async_count();
  AsyncResult<std::int64_t> tracks = Track::async_count();
  AsyncResult<std::vector<Customer>> customer_list = Customer::async_all();
  AsyncResult<Rows> genre_of_track = Track::select("id", "genre_id").async_rows();
  AsyncResult<std::vector<Genre>> genres = Genre::async_all();
};

// Sorts by value (desc), then name, and keeps the first n.
std::vector<Ranked> top(std::map<std::string, double> totals, std::size_t n) {
  std::vector<Ranked> out;
  for (auto& [name, value] : totals) out.push_back({name, cents(value)});
  std::sort(out.begin(), out.end(), [](const Ranked& a, const Ranked& b) {
    return a.value != b.value ? a.value > b.value : a.name < b.name;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

// Everything below only reads awaited results: await() on a finished result returns at once.
Dashboard assemble(PrimaryQueries& p, std::vector<ShardQueries>& shards) {
  Dashboard d;
  d.customers = p.customers.await();
  d.tracks = p.tracks.await();

  std::map<std::int64_t, const Customer*> customer_by_id;
  for (const auto& c : p.customer_list.await()) customer_by_id[*c.id] = &c;
  std::map<std::int64_t, std::string> genre_name;
  for (const auto& g : p.genres.await()) genre_name[*g.id] = g.name.value_or("(none)");
  std::map<std::int64_t, std::string> genre_of_track;
  const Rows& tg = p.genre_of_track.await();
  for (std::size_t i = 0; i < tg.size(); ++i) {
    auto genre = tg.at(i, "genre_id").as<std::optional<std::int64_t>>();
    genre_of_track[tg.at(i, "id").as<std::int64_t>()] = genre ? genre_name[*genre] : "(none)";
  }

  std::map<std::string, double> by_country, by_customer, by_genre;
  std::vector<Invoice> recent;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    auto& s = shards[i];
    ShardFigures f{std::string(invoice_shards[i]), s.invoices.await(), cents(s.revenue.await())};
    d.invoices += f.invoices;
    d.revenue += f.revenue;
    d.shards.push_back(f);
    const Rows& countries = s.revenue_by_country.await();
    for (std::size_t r = 0; r < countries.size(); ++r)
      by_country[countries.at(r, "billing_country").as<std::optional<std::string>>().value_or("(none)")] +=
          countries.at(r, "revenue").as<double>();
    const Rows& spend = s.spend_by_customer.await();
    for (std::size_t r = 0; r < spend.size(); ++r)
      by_customer[customer_by_id.at(spend.at(r, "customer_id").as<std::int64_t>())->full_name()] +=
          spend.at(r, "spend").as<double>();
    const Rows& units = s.units_by_track.await();
    for (std::size_t r = 0; r < units.size(); ++r)
      by_genre[genre_of_track.at(units.at(r, "track_id").as<std::int64_t>())] += units.at(r, "units").as<double>();
    for (const auto& inv : s.recent.await()) recent.push_back(inv);
  }
  d.revenue = cents(d.revenue);
  d.top_countries = top(by_country, 5);
  d.top_customers = top(by_customer, 5);
  d.top_genres = top(by_genre, 5);

  std::sort(recent.begin(), recent.end(), [](const Invoice& a, const Invoice& b) {
    return a.invoice_date != b.invoice_date ? a.invoice_date > b.invoice_date : *a.id > *b.id;
  });
  for (std::size_t i = 0; i < recent.size() && i < 10; ++i) {
    const auto& inv = recent[i];
    const Customer* c = customer_by_id.at(inv.customer_id);
    d.recent.push_back({*inv.id, inv.invoice_date, c->full_name(), inv.billing_country.value_or(""),
                        cents(grant::Value(inv.total).as<double>())});
  }
  return d;
}

}  // namespace

double cents(double amount) { return std::round(amount * 100.0) / 100.0; }

Dashboard load_sequential() {
  // Each query is awaited before the next one starts: the sum of their times.
  PrimaryQueries p{.customers = AsyncResult<std::int64_t>::ready(Customer::count())};
  p.tracks = AsyncResult<std::int64_t>::ready(Track::count());
  p.customer_list = AsyncResult<std::vector<Customer>>::ready(Customer::all());
  p.genre_of_track = AsyncResult<Rows>::ready(Track::select("id", "genre_id").rows());
  p.genres = AsyncResult<std::vector<Genre>>::ready(Genre::all());
  std::vector<ShardQueries> shards;
  for (auto name : invoice_shards) {
    std::string s(name);
    shards.push_back(ShardQueries{
        AsyncResult<std::int64_t>::ready(Invoice::shard(s).count()),
        AsyncResult<double>::ready(Invoice::shard(s).sum("total")),
        AsyncResult<Rows>::ready(
            Invoice::shard(s).group("billing_country").select("billing_country", "SUM(total) AS revenue").rows()),
        AsyncResult<Rows>::ready(
            Invoice::shard(s).group("customer_id").select("customer_id", "SUM(total) AS spend").rows()),
        AsyncResult<Rows>::ready(
            InvoiceLine::shard(s).group("track_id").select("track_id", "SUM(quantity) AS units").rows()),
        AsyncResult<std::vector<Invoice>>::ready(
            Invoice::shard(s).order("invoice_date", grant::desc).order("id", grant::desc).limit(10).all()),
    });
  }
  return assemble(p, shards);
}

Dashboard load_concurrent() {
  // Every query is on its way before the first await: about the time of the slowest.
  PrimaryQueries p;
  std::vector<ShardQueries> shards;
  for (auto name : invoice_shards) shards.push_back(start_shard(name));

  // The seed's scatter-gather across shards: per-shard counts through a ResultCoordinator.
  grant::async::ResultCoordinator<std::int64_t> counts;
  for (auto& s : shards) counts.add(s.invoices);
  // And everything else through one Coordinator, which waits for all, failures included.
  grant::async::Coordinator all;
  all.add(p.customers);
  all.add(p.tracks);
  all.add(p.customer_list);
  all.add(p.genre_of_track);
  all.add(p.genres);
  for (auto& s : shards) {
    all.add(s.revenue);
    all.add(s.revenue_by_country);
    all.add(s.spend_by_customer);
    all.add(s.units_by_track);
    all.add(s.recent);
  }
  counts.await_all_or_throw();
  all.await_all_or_throw();
  Dashboard d = assemble(p, shards);
  if (d.invoices != counts.sum())
    throw grant::Error("dashboard: per-shard invoice counts disagree with the coordinator's sum");
  return d;
}

}  // namespace record_store
