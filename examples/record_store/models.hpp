// The record store's models: the Chinook catalogue, its customers and its invoices.
//
// Where they live: the catalogue, customers and employees on shard "primary"; invoices and
// their lines on one of three invoice shards chosen by the customer's region (shards.hpp).
// Ids are Chinook's own, so an invoice id means the same thing on every shard.
#pragma once

#include <grant/grant.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace record_store {

struct Album;
struct Track;
struct Invoice;
struct InvoiceLine;

struct Artist : grant::Model<Artist> {
  std::optional<std::int64_t> id;
  std::optional<std::string> name;
  static auto schema() {
    return grant::Schema<Artist>("artists").primary_key().column("name", &Artist::name).has_many<Album>("albums");
  }
};

struct Album : grant::Model<Album> {
  std::optional<std::int64_t> id;
  std::string title;
  std::int64_t artist_id = 0;
  static auto schema() {
    return grant::Schema<Album>("albums")
        .primary_key()
        .columns("title", &Album::title, "artist_id", &Album::artist_id)
        .belongs_to<Artist>("artist")
        .has_many<Track>("tracks");
  }
};

struct Genre : grant::Model<Genre> {
  std::optional<std::int64_t> id;
  std::optional<std::string> name;
  static auto schema() { return grant::Schema<Genre>("genres").primary_key().column("name", &Genre::name); }
};

struct MediaType : grant::Model<MediaType> {
  std::optional<std::int64_t> id;
  std::optional<std::string> name;
  static auto schema() { return grant::Schema<MediaType>("media_types").primary_key().column("name", &MediaType::name); }
};

struct Track : grant::Model<Track> {
  std::optional<std::int64_t> id;
  std::string name;
  std::optional<std::int64_t> album_id;
  std::int64_t media_type_id = 0;
  std::optional<std::int64_t> genre_id;
  std::optional<std::string> composer;
  std::int64_t milliseconds = 0;
  std::optional<std::int64_t> bytes;
  grant::Decimal unit_price;
  static auto schema() {
    return grant::Schema<Track>("tracks")
        .primary_key()
        .columns("name", &Track::name, "album_id", &Track::album_id, "media_type_id", &Track::media_type_id,
                 "genre_id", &Track::genre_id, "composer", &Track::composer, "milliseconds", &Track::milliseconds,
                 "bytes", &Track::bytes, "unit_price", &Track::unit_price)
        .belongs_to<Album>("album")
        .belongs_to<Genre>("genre");
  }
};

struct Employee : grant::Model<Employee> {
  std::optional<std::int64_t> id;
  std::string last_name, first_name;
  std::optional<std::string> title;
  std::optional<std::int64_t> reports_to;
  std::optional<grant::Time> birth_date, hire_date;
  std::optional<std::string> address, city, state, country, postal_code, phone, fax, email;
  static auto schema() {
    return grant::Schema<Employee>("employees")
        .primary_key()
        .columns("last_name", &Employee::last_name, "first_name", &Employee::first_name, "title", &Employee::title,
                 "reports_to", &Employee::reports_to, "birth_date", &Employee::birth_date, "hire_date",
                 &Employee::hire_date, "address", &Employee::address, "city", &Employee::city, "state",
                 &Employee::state, "country", &Employee::country, "postal_code", &Employee::postal_code, "phone",
                 &Employee::phone, "fax", &Employee::fax, "email", &Employee::email);
  }
};

struct Customer : grant::Model<Customer> {
  std::optional<std::int64_t> id;
  std::string first_name, last_name;
  std::optional<std::string> company, address, city, state, country, postal_code, phone, fax;
  std::string email;
  std::optional<std::int64_t> support_rep_id;
  static auto schema() {
    return grant::Schema<Customer>("customers")
        .primary_key()
        .columns("first_name", &Customer::first_name, "last_name", &Customer::last_name, "company",
                 &Customer::company, "address", &Customer::address, "city", &Customer::city, "state",
                 &Customer::state, "country", &Customer::country, "postal_code", &Customer::postal_code, "phone",
                 &Customer::phone, "fax", &Customer::fax, "email", &Customer::email, "support_rep_id",
                 &Customer::support_rep_id)
        .validate("email", grant::presence{});
  }
  std::string full_name() const { return first_name + " " + last_name; }
};

struct Invoice : grant::Model<Invoice> {
  std::optional<std::int64_t> id;
  std::int64_t customer_id = 0;
  grant::Time invoice_date{};
  std::optional<std::string> billing_address, billing_city, billing_state, billing_country, billing_postal_code;
  grant::Decimal total;
  static auto schema() {
    return grant::Schema<Invoice>("invoices")
        .primary_key()
        .columns("customer_id", &Invoice::customer_id, "invoice_date", &Invoice::invoice_date, "billing_address",
                 &Invoice::billing_address, "billing_city", &Invoice::billing_city, "billing_state",
                 &Invoice::billing_state, "billing_country", &Invoice::billing_country, "billing_postal_code",
                 &Invoice::billing_postal_code, "total", &Invoice::total)
        .has_many<InvoiceLine>("invoice_lines");
  }
};

struct InvoiceLine : grant::Model<InvoiceLine> {
  std::optional<std::int64_t> id;
  std::int64_t invoice_id = 0;
  std::int64_t track_id = 0;
  grant::Decimal unit_price;
  std::int64_t quantity = 0;
  static auto schema() {
    return grant::Schema<InvoiceLine>("invoice_lines")
        .primary_key()
        .columns("invoice_id", &InvoiceLine::invoice_id, "track_id", &InvoiceLine::track_id, "unit_price",
                 &InvoiceLine::unit_price, "quantity", &InvoiceLine::quantity)
        .belongs_to<Invoice>("invoice");
  }
};

}  // namespace record_store
