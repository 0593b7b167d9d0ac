// Associations: belongs_to / has_one / has_many declared before the other model is
// defined, accessors (related<T>), joins by name, and includes() without N+1.
#define BOOST_TEST_MODULE test_model_associations
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

namespace {

struct Post;     // defined below: associations only look at it on first use
struct Profile;

struct Author : grant::Model<Author> {
  std::optional<std::int64_t> id;
  std::string name;
  static auto schema() {
    return grant::Schema<Author>("authors").primary_key().column("name", &Author::name)
        .has_many<Post>("posts").has_one<Profile>("profile");
  }
  grant::Query<Post> posts() const;  // the accessor the user writes (one line, below)
};

struct Post : grant::Model<Post> {
  std::optional<std::int64_t> id;
  std::optional<std::int64_t> author_id;
  std::string title;
  static auto schema() {
    return grant::Schema<Post>("posts").primary_key()
        .columns("author_id", &Post::author_id, "title", &Post::title).belongs_to<Author>("author");
  }
  std::optional<Author> author() const { return related<Author>("author").first(); }
};

struct Profile : grant::Model<Profile> {
  std::optional<std::int64_t> id;
  std::int64_t author_id = 0;
  std::string bio;
  static auto schema() {
    return grant::Schema<Profile>("profiles").primary_key().columns("author_id", &Profile::author_id, "bio", &Profile::bio);
  }
};

inline grant::Query<Post> Author::posts() const { return related<Post>("posts"); }

struct Tables {
  Tables() {
    Author::migrator().drop_and_create();
    Post::migrator().drop_and_create();
    Profile::migrator().drop_and_create();
  }
};

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(associations, Tables)

BOOST_AUTO_TEST_CASE(foreign_keys_default_to_singular_model_id) {
  const auto& author = grant::orm::table_info<Author>();
  BOOST_CHECK_EQUAL(author.association("posts").foreign_key, "author_id");
  BOOST_CHECK_EQUAL(author.association("profile").foreign_key, "author_id");
  BOOST_CHECK_EQUAL(grant::orm::table_info<Post>().association("author").foreign_key, "author_id");
}

BOOST_AUTO_TEST_CASE(accessors) {
  Author ann = Author::create_or_throw({{"name", "Ann"}});
  Author bob = Author::create_or_throw({{"name", "Bob"}});
  Post p1 = Post::create_or_throw({{"author_id", *ann.id}, {"title", "one"}});
  Post::create_or_throw({{"author_id", *ann.id}, {"title", "two"}});
  Post::create_or_throw({{"author_id", *bob.id}, {"title", "three"}});
  Post orphan = Post::create_or_throw({{"title", "orphan"}});
  Profile::create_or_throw({{"author_id", *bob.id}, {"bio", "hi"}});

  BOOST_CHECK_EQUAL(p1.author()->name, "Ann");
  BOOST_CHECK(!orphan.author());
  BOOST_CHECK_EQUAL(ann.posts().count(), 2);
  BOOST_CHECK_EQUAL(ann.posts().order("title").first()->title, "one");
  BOOST_CHECK_EQUAL(ann.posts().where({{"title", "two"}}).count(), 1);  // a query like any other
  BOOST_CHECK_EQUAL(bob.related<Profile>("profile").first()->bio, "hi");
  BOOST_CHECK(!ann.related<Profile>("profile").first());
  BOOST_CHECK_EQUAL(Author().posts().count(), 0);  // a new author relates to nothing
  auto async_posts = ann.posts().async_all();
  BOOST_CHECK_EQUAL(async_posts.await().size(), 2u);
  // misuse is reported through the terminal
  BOOST_CHECK_THROW(ann.related<Post>("nope").count(), grant::Error);
  BOOST_CHECK_THROW(ann.related<Profile>("posts").count(), grant::Error);  // wrong target type
  BOOST_CHECK_THROW(ann.loaded<Post>("posts"), grant::Error);              // not included
}

BOOST_AUTO_TEST_CASE(joins_by_association_name) {
  Author ann = Author::create_or_throw({{"name", "Ann"}});
  Author::create_or_throw({{"name", "Bob"}});
  Post::create_or_throw({{"author_id", *ann.id}, {"title", "one"}});
  BOOST_CHECK_EQUAL(Author::joins("posts").distinct().count(), 1);
  BOOST_CHECK_EQUAL(Post::joins("author").where({{"authors.name", "Ann"}}).count(), 1);
  BOOST_CHECK_EQUAL(Author::joins("profile").count(), 0);
}

BOOST_AUTO_TEST_CASE(includes_loads_children_in_one_statement) {
  Author::transaction([] {
    for (int i = 0; i < 100; ++i) {
      Author a = Author::create_or_throw({{"name", "author " + std::to_string(i)}});
      for (int j = 0; j < 3; ++j) Post::create_or_throw({{"author_id", *a.id}, {"title", std::to_string(i) + "/" + std::to_string(j)}});
    }
  });
  grant::test::StatementLog log;
  auto authors = Author::includes("posts").order("id").all();
  BOOST_CHECK_EQUAL(log.count(), 2u);  // the authors, then all their posts
  for (const auto& s : log.sql()) BOOST_TEST_MESSAGE(s);
  BOOST_REQUIRE_EQUAL(authors.size(), 100u);
  for (std::size_t i = 0; i < authors.size(); ++i) {
    const auto& posts = authors[i].loaded<Post>("posts");
    BOOST_REQUIRE_EQUAL(posts.size(), 3u);
    for (std::size_t j = 0; j < 3; ++j) {
      BOOST_CHECK(posts[j].author_id == authors[i].id);
      BOOST_CHECK_EQUAL(posts[j].title, std::to_string(i) + "/" + std::to_string(j));
    }
  }
  BOOST_CHECK_EQUAL(log.count(), 2u);  // reading them ran nothing

  // belongs_to the other way round, and several at once
  log.clear();
  auto posts = Post::includes("author").where({{"title", std::vector<std::string>{"0/0", "0/1", "7/2"}}}).order("id").all();
  BOOST_CHECK_EQUAL(log.count(), 2u);
  BOOST_REQUIRE_EQUAL(posts.size(), 3u);
  BOOST_CHECK_EQUAL(posts[0].loaded<Author>("author").at(0).name, "author 0");
  BOOST_CHECK_EQUAL(posts[2].loaded<Author>("author").at(0).name, "author 7");
  BOOST_CHECK(posts[0].is_loaded("author"));

  log.clear();
  auto both = Author::includes("posts").includes("profile").limit(5).all();
  BOOST_CHECK_EQUAL(log.count(), 3u);
  BOOST_CHECK(both[0].loaded<Profile>("profile").empty());
  // with no owners, nothing more is asked
  log.clear();
  BOOST_CHECK(Author::includes("posts").where({{"name", "nobody"}}).all().empty());
  BOOST_CHECK_EQUAL(log.count(), 1u);
  // first/find preload too
  auto one = Author::includes("posts").find_or_throw(*authors[3].id);
  BOOST_CHECK_EQUAL(one.loaded<Post>("posts").size(), 3u);
}

BOOST_AUTO_TEST_SUITE_END()
