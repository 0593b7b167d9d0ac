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

// The queries of one invoice shard, built but not run.
struct ShardViews {
  grant::Query<Invoice> invoices;
  grant::Query<Invoice> revenue_by_country;   // billing_country, revenue
  grant::Query<Invoice> spend_by_customer;    // customer_id, spend
  grant::Query<InvoiceLine> units_by_track;   // track_id, units
  grant::Query<Invoice> recent;
};

ShardViews views(std::string_view name) {
  std::string s(name);
  return ShardViews{
      Invoice::shard(s),
      Invoice::shard(s).group("billing_country").select("billing_country", grant::raw("SUM(total) AS revenue")),
      Invoice::shard(s).group("customer_id").select("customer_id", grant::raw("SUM(total) AS spend")),
      InvoiceLine::shard(s).group("track_id").select("track_id", grant::raw("SUM(quantity) AS units")),
      Invoice::shard(s).order("invoice_date", grant::desc).order("id", grant::desc).limit(10),
  };
}

// The same queries once run: started (concurrent load) or already awaited (sequential).
struct ShardQueries {
  AsyncResult<std::int64_t> invoices;
  AsyncResult<double> revenue;
  AsyncResult<Rows> revenue_by_country;
  AsyncResult<Rows> spend_by_customer;
  AsyncResult<Rows> units_by_track;
  AsyncResult<std::vector<Invoice>> recent;
};

ShardQueries start_shard(std::string_view name) {
  auto v = views(name);
  return ShardQueries{v.invoices.async_count(),           v.invoices.async_sum("total"),
                      v.revenue_by_country.async_rows(),  v.spend_by_customer.async_rows(),
                      v.units_by_track.async_rows(),      v.recent.async_all()};
}

ShardQueries run_shard(std::string_view name) {
  auto v = views(name);
  // Each statement is awaited before the next is built: the sync API, one after another.
  auto invoices = AsyncResult<std::int64_t>::ready(v.invoices.count());
  auto revenue = AsyncResult<double>::ready(v.invoices.sum("total"));
  auto by_country = AsyncResult<Rows>::ready(v.revenue_by_country.rows());
  auto by_customer = AsyncResult<Rows>::ready(v.spend_by_customer.rows());
  auto by_track = AsyncResult<Rows>::ready(v.units_by_track.rows());
  auto recent = AsyncResult<std::vector<Invoice>>::ready(v.recent.all());
  return ShardQueries{invoices, revenue, by_country, by_customer, by_track, recent};
}

struct PrimaryQueries {
  AsyncResult<std::int64_t> customers;
  AsyncResult<std::int64_t> tracks;
  AsyncResult<std::vector<Customer>> customer_list;
  AsyncResult<Rows> genre_of_track;             // id, genre_id of every track
  AsyncResult<std::vector<Genre>> genres;
};

PrimaryQueries start_primary() {
  return PrimaryQueries{Customer::async_count(), Track::async_count(), Customer::async_all(),
                        Track::select("id", "genre_id").async_rows(), Genre::async_all()};
}

PrimaryQueries run_primary() {
  auto customers = AsyncResult<std::int64_t>::ready(Customer::count());
  auto tracks = AsyncResult<std::int64_t>::ready(Track::count());
  auto customer_list = AsyncResult<std::vector<Customer>>::ready(Customer::all());
  auto genre_of_track = AsyncResult<Rows>::ready(Track::select("id", "genre_id").rows());
  auto genres = AsyncResult<std::vector<Genre>>::ready(Genre::all());
  return PrimaryQueries{customers, tracks, customer_list, genre_of_track, genres};
}

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
  PrimaryQueries p = run_primary();
  std::vector<ShardQueries> shards;
  for (auto name : invoice_shards) shards.push_back(run_shard(name));
  return assemble(p, shards);
}

Dashboard load_concurrent() {
  // Every query is on its way before the first await: about the time of the slowest.
  PrimaryQueries p = start_primary();
  std::vector<ShardQueries> shards;
  for (auto name : invoice_shards) shards.push_back(start_shard(name));

  // Scatter-gather across shards: per-shard counts through a ResultCoordinator.
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
