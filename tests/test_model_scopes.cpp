// Scopes: named scopes from the schema (chainable), the default scope and unscoped(),
// none() (no SQL), sole(), ids(), left_joins by association name. Same cases on every backend.
#define BOOST_TEST_MODULE test_model_scopes
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

namespace {

struct Track;

struct Album : grant::Model<Album> {
  std::optional<std::int64_t> id;
  std::string title;
  static auto schema() {
    return grant::Schema<Album>("albums").primary_key().column("title", &Album::title).has_many<Track>("tracks");
  }
};

struct Track : grant::Model<Track> {
  std::optional<std::int64_t> id;
  std::optional<std::int64_t> album_id;
  std::string title;
  std::int64_t seconds = 0;
  std::int64_t plays = 0;
  bool hidden = false;
  static auto schema() {
    return grant::Schema<Track>("tracks").primary_key()
        .columns("album_id", &Track::album_id, "title", &Track::title, "seconds", &Track::seconds, "plays", &Track::plays,
                 "hidden", &Track::hidden)
        .belongs_to<Album>("album")
        .default_scope([](const grant::Query<Track>& q) { return q.where({{"hidden", false}}); })
        .scope("long", [](const grant::Query<Track>& q) { return q.where("seconds", grant::ge, std::int64_t{300}); })
        .scope("popular", [](const grant::Query<Track>& q) { return q.where("plays", grant::ge, std::int64_t{100}).order("plays", grant::desc); });
  }
  // The static-function pattern: a scope with an argument, starting a chain.
  static grant::Query<Track> on_album(std::int64_t album) { return where({{"album_id", album}}); }
};

struct Tables {
  Tables() {
    Album::migrator().drop_and_create();
    Track::migrator().drop_and_create();
    auto a = Album::create_or_throw({{"title", "A"}});
    Album::create_or_throw({{"title", "empty"}});
    auto t = [&](const char* title, std::int64_t seconds, std::int64_t plays, bool hidden = false) {
      Track::create_or_throw({{"album_id", *a.id}, {"title", title}, {"seconds", seconds}, {"plays", plays}, {"hidden", hidden}});
    };
    t("short hit", 120, 500);
    t("long hit", 400, 300);
    t("long miss", 500, 3);
    t("secret", 600, 900, true);
    album = *a.id;
  }
  std::int64_t album = 0;
};

using S = std::vector<std::string>;

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(scopes, Tables)

BOOST_AUTO_TEST_CASE(default_scope_applies_and_unscoped_removes_it) {
  BOOST_CHECK_EQUAL(Track::count(), 3);
  BOOST_CHECK_EQUAL(Track::unscoped().count(), 4);
  BOOST_CHECK_EQUAL(Track::where({{"title", "secret"}}).count(), 0);
  BOOST_CHECK_EQUAL(Track::unscoped().where({{"title", "secret"}}).count(), 1);
  grant::test::StatementLog log;
  Track::all();
  BOOST_CHECK(log.sql().at(0).find(grant::test::quoted("hidden")) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(named_scopes_chain_in_any_order) {
  BOOST_CHECK(Track::scoped("long").order("title").pluck<std::string>("title") == (S{"long hit", "long miss"}));
  BOOST_CHECK(Track::scoped("long").scoped("popular").pluck<std::string>("title") == (S{"long hit"}));
  BOOST_CHECK(Track::scoped("popular").pluck<std::string>("title") == (S{"short hit", "long hit"}));
  BOOST_CHECK(Track::on_album(album).scoped("popular").scoped("long").pluck<std::string>("title") == (S{"long hit"}));
  BOOST_CHECK_EQUAL(Track::on_album(album + 100).scoped("long").count(), 0);
  BOOST_CHECK_EQUAL(Track::unscoped().scoped("long").count(), 3);  // the hidden one too
}

BOOST_AUTO_TEST_CASE(an_unknown_scope_is_an_error_before_any_sql) {
  grant::test::StatementLog log;
  try {
    Track::scoped("lng").count();
    BOOST_FAIL("unknown scope accepted");
  } catch (const grant::Error& e) {
    const std::string what = e.what();
    BOOST_CHECK(what.find("Track") != std::string::npos && what.find("long, popular") != std::string::npos);
  }
  BOOST_CHECK_EQUAL(log.count(), 0u);
}

BOOST_AUTO_TEST_CASE(none_sends_no_sql) {
  grant::test::StatementLog log;
  auto q = Track::scoped("long").none();
  BOOST_CHECK(q.all().empty());
  BOOST_CHECK_EQUAL(q.count(), 0);
  BOOST_CHECK(!q.exists());
  BOOST_CHECK(!q.first());
  BOOST_CHECK(q.ids().empty());
  BOOST_CHECK_EQUAL(q.sum<std::int64_t>("plays"), 0);
  BOOST_CHECK_EQUAL(q.update_all({{"plays", std::int64_t{0}}}), 0);
  BOOST_CHECK_EQUAL(q.async_delete_all().await(), 0);
  BOOST_CHECK_THROW(q.first_or_throw(), grant::querying::NotFound);
  BOOST_CHECK_THROW(q.sole(), grant::querying::NotFound);
  BOOST_CHECK_EQUAL(log.count(), 0u);
  BOOST_CHECK_EQUAL(Track::count(), 3);
}

BOOST_AUTO_TEST_CASE(sole_finds_exactly_one_or_says_why_not) {
  BOOST_CHECK_EQUAL(Track::where({{"title", "long miss"}}).sole().plays, 3);
  BOOST_CHECK_EQUAL(Track::scoped("long").scoped("popular").async_sole().await().title, "long hit");
  BOOST_CHECK_THROW(Track::where({{"title", "nothing"}}).sole(), grant::querying::NotFound);
  try {
    Track::scoped("long").sole();
    BOOST_FAIL("sole() of two rows returned");
  } catch (const grant::querying::SoleRecordExceeded& e) {
    BOOST_CHECK(std::string(e.what()).find("Track") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("shard primary") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(ids_in_query_order) {
  auto by_plays = Track::order("plays", grant::desc).ids();
  auto expected = Track::order("plays", grant::desc).pluck<std::int64_t>("id");
  BOOST_REQUIRE_EQUAL(by_plays.size(), 3u);
  BOOST_CHECK(by_plays == expected);
  BOOST_CHECK(Track::scoped("long").order("id").async_ids().await() ==
              Track::where("seconds", grant::ge, std::int64_t{300}).order("id").pluck<std::int64_t>("id"));
}

BOOST_AUTO_TEST_CASE(left_joins_keeps_rows_without_a_match) {
  auto empty = Album::left_joins("tracks").where("tracks.id IS NULL").pluck<std::string>("title");
  BOOST_CHECK(empty == (S{"empty"}));
  BOOST_CHECK_EQUAL(Album::left_joins("tracks").count(), 5);  // 4 tracks of A + 1 row for "empty"
  BOOST_CHECK_EQUAL(Album::joins("tracks").count(), 4);
  BOOST_CHECK_THROW(Album::left_joins("trakcs").count(), grant::Error);
}

BOOST_AUTO_TEST_SUITE_END()
