// The TCP socket under a driver's connection, found from this side so that the watchdog
// can shut it down (watchdog.hpp) and keep-alive can be set where the driver has no option
// for it. Linux: the process's descriptors are listed in /proc/self/fd.
#pragma once

#include <chrono>

namespace grant::driver::odbc {

/// The one connected TCP socket (IPv4 or IPv6) of this process whose local port is
/// `local_port`; -1 when there is none or more than one.
int find_tcp_socket(int local_port);

/// Turns on TCP keep-alive: first probe after `idle`, then every `interval`, the peer given
/// up after `count` unanswered probes. Best effort (a failing setsockopt is ignored).
void set_keepalive(int fd, std::chrono::seconds idle, std::chrono::seconds interval, int count);

}  // namespace grant::driver::odbc
