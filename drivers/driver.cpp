// The password helpers of the driver contract, on the ODBC layer's connection-string parser.
#include "drivers/driver.hpp"

#include "drivers/odbc/connection_string.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace grant::driver {

std::string mask_password(const std::string& connection_string) { return odbc::mask_password(connection_string); }

std::string hide_password(std::string text, const std::string& connection_string) {
  for (const auto& attribute : odbc::parse_connection_string(connection_string)) {
    if (!boost::algorithm::iequals(attribute.key, "pwd") && !boost::algorithm::iequals(attribute.key, "password")) continue;
    const std::string& secret = attribute.value;
    if (secret.size() < 2) continue;  // masking one character would garble the message
    for (std::size_t p; (p = text.find(secret)) != std::string::npos;) text.replace(p, secret.size(), "***");
  }
  return text;
}

}  // namespace grant::driver
