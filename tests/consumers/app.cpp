// A program that uses Grant as a consumer would: one model, one SQLite shard, a write and
// an async count. Built by each consumer project here (b2, pkg-config, CMake).
//   app DIR   creates DIR/app.db; prints "grant VERSION notes=1" and exits 0 on success
#include <grant/grant.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

struct Note : grant::Model<Note> {
  std::optional<std::int64_t> id;
  std::string text;
  static auto schema() { return grant::Schema<Note>("notes").primary_key().column("text", &Note::text); }
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: app DIR\n";
    return 2;
  }
  try {
    grant::Config config;
    config.add_shard("primary", "Driver=SQLite3;Database=" + std::string(argv[1]) + "/app.db");
    grant::Runtime runtime{config};
    Note::migrator().drop_and_create();
    Note note;
    note.text = "hello";
    note.save_or_throw();
    std::int64_t notes = Note::async_count().await();
    std::cout << "grant " << grant::version() << " notes=" << notes << "\n";
    return notes == 1 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "app: " << e.what() << "\n";
    return 1;
  }
}
