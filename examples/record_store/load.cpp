#include "load.hpp"

#include "chinook_script.hpp"
#include "models.hpp"
#include "shards.hpp"

#include <cctype>
#include <map>
#include <vector>

namespace record_store {
namespace {

// Chinook's "InvoiceDate" -> "invoice_date"; a table's own "<Table>Id" -> "id".
std::string column_name(const std::string& table, const std::string& chinook) {
  if (chinook == table + "Id") return "id";
  std::string out;
  for (std::size_t i = 0; i < chinook.size(); ++i) {
    char c = chinook[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

grant::Attributes attributes(const std::string& table, const ScriptTable& t, const std::vector<grant::Value>& row) {
  grant::Attributes a;
  a.reserve(row.size());
  for (std::size_t i = 0; i < row.size(); ++i) a.emplace_back(column_name(table, t.columns[i]), row[i]);
  return a;
}

template <class M>
void write_rows(std::string_view shard, std::string_view step, const std::string& table, const ScriptTable& t,
                const std::vector<const std::vector<grant::Value>*>& rows, const Progress& progress) {
  grant::Runtime::current().shard(shard).transaction([&] {
    std::size_t done = 0;
    for (const auto* row : rows) {
      M::shard(std::string(shard)).create_or_throw(attributes(table, t, *row));
      if (progress && (++done % 250 == 0 || done == rows.size())) progress(step, done, rows.size());
    }
  });
}

template <class M>
void write_table(const std::map<std::string, ScriptTable>& tables, const std::string& table, std::string_view step,
                 const Progress& progress) {
  const auto& t = tables.at(table);
  std::vector<const std::vector<grant::Value>*> rows;
  for (const auto& r : t.rows) rows.push_back(&r);
  write_rows<M>(primary_shard, step, table, t, rows, progress);
}

}  // namespace

void create_schema() {
  for (auto m : {Artist::migrator(), Album::migrator(), Genre::migrator(), MediaType::migrator(),
                 Track::migrator(), Employee::migrator(), Customer::migrator()})
    m.drop_and_create();
  for (auto shard : invoice_shards) {
    Invoice::migrator(std::string(shard)).drop_and_create();
    InvoiceLine::migrator(std::string(shard)).drop_and_create();
  }
}

bool is_loaded() {
  try {
    return Track::exists();
  } catch (const grant::DatabaseError&) {
    return false;  // no tracks table yet
  }
}

void load(const std::string& script_path, const Progress& progress) {
  const auto tables = read_chinook_script(script_path);
  write_table<Artist>(tables, "Artist", "artists", progress);
  write_table<Album>(tables, "Album", "albums", progress);
  write_table<Genre>(tables, "Genre", "genres", progress);
  write_table<MediaType>(tables, "MediaType", "media types", progress);
  write_table<Track>(tables, "Track", "tracks", progress);
  write_table<Employee>(tables, "Employee", "employees", progress);
  write_table<Customer>(tables, "Customer", "customers", progress);

  // Route every invoice by its customer's country, and every line by its invoice.
  const auto& customers = tables.at("Customer");
  std::map<std::int64_t, std::string_view> shard_of_customer;
  for (const auto& row : customers.rows)
    shard_of_customer[row[customers.index("CustomerId")].as<std::int64_t>()] =
        region_of(row[customers.index("Country")].as<std::optional<std::string>>().value_or(""));

  const auto& invoices = tables.at("Invoice");
  const auto& lines = tables.at("InvoiceLine");
  std::map<std::string_view, std::vector<const std::vector<grant::Value>*>> invoice_rows, line_rows;
  std::map<std::int64_t, std::string_view> shard_of_invoice;
  for (const auto& row : invoices.rows) {
    auto shard = shard_of_customer.at(row[invoices.index("CustomerId")].as<std::int64_t>());
    shard_of_invoice[row[invoices.index("InvoiceId")].as<std::int64_t>()] = shard;
    invoice_rows[shard].push_back(&row);
  }
  for (const auto& row : lines.rows)
    line_rows[shard_of_invoice.at(row[lines.index("InvoiceId")].as<std::int64_t>())].push_back(&row);

  // The three shards are independent: fill them at once, one fiber (and connection) each.
  std::vector<std::exception_ptr> errors(invoice_shards.size());
  grant::fiber::WaitGroup done;
  for (std::size_t i = 0; i < invoice_shards.size(); ++i) {
    done.spawn([&, i] {
      auto shard = invoice_shards[i];
      try {
        std::string name(shard);
        write_rows<Invoice>(shard, "invoices@" + name, "Invoice", invoices, invoice_rows[shard], progress);
        write_rows<InvoiceLine>(shard, "lines@" + name, "InvoiceLine", lines, line_rows[shard], progress);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  done.wait();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace record_store
