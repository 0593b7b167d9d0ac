// legacy_server CONFIG.ini [--init]
//
// The warehouse server (server.hpp) as a program: reads its INI file, starts Grant, and
// serves until SIGINT, SIGTERM or a SHUTDOWN request. --init (re)creates the tables and
// stocks three products in every region first. See legacy_server.ini for the file.
#include "examples/legacy_server/server.hpp"
#include "examples/legacy_server/store.hpp"

#include <grant/grant.hpp>

#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/classification.hpp>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::string(argv[2]) != "--init")) {
    std::cerr << "usage: legacy_server CONFIG.ini [--init]\n";
    return 2;
  }
  try {
    const std::filesystem::path config_path = argv[1];
    boost::property_tree::ptree ini;
    boost::property_tree::read_ini(config_path.string(), ini);
    legacy_server::ServerOptions options;
    options.address = ini.get<std::string>("server.address", options.address);
    options.port = ini.get<unsigned short>("server.port", 7070);
    options.max_connections = ini.get<std::size_t>("server.max_connections", options.max_connections);
    std::vector<std::string> regions;
    std::string region_list = ini.get<std::string>("server.regions");
    boost::algorithm::split(regions, region_list, boost::algorithm::is_space(), boost::algorithm::token_compress_on);
    // The database settings are Grant's own file, named relative to this one.
    std::filesystem::path grant_ini = config_path.parent_path() / ini.get<std::string>("server.grant_config");

    grant::Runtime runtime{grant::Config::from_file(grant_ini.string()).apply_env()};
    legacy_server::Store store{regions};
    if (argc == 3) store.reset({legacy_server::product("apple", 120, 1000), legacy_server::product("pear", 90, 1000),
                              legacy_server::product("plum", 45, 1000)});

    legacy_server::Server server{store, options};
    legacy_server::StopOnSignals signals{server};
    std::cout << "legacy_server: listening on " << options.address << ":" << server.port() << std::endl;
    server.run();
    std::cout << "legacy_server: stopped" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "legacy_server: " << e.what() << "\n";
    return 1;
  }
}
