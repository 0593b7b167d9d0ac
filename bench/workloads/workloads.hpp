// The bench's workloads. Each runs in a child process (see common.hpp) and prints
// its numbers with emit(); the parent computes the ratios.
#pragma once

#include "bench/common.hpp"

namespace bench::workloads {

/// 1. Point lookups, one at a time: raw ODBC, Grant find(), Grant async_find().await(),
///    the same await from a fiber with busy siblings, SOCI, libpqxx; latency and client CPU. Subjects alternate in o.rounds rounds over the same random ids.
void lookup(const Options& o, const Target& t);
/// 2. Fan-out (PostgreSQL): N x pg_sleep(L) sequentially and through a Coordinator.
void fanout(const Options& o, const Target& t);
/// 3. Throughput: o.fibers fibers doing Account::find through o.pool connections, against
///    pgbench -S (PostgreSQL) and raw ODBC with o.pool threads.
void throughput(const Options& o, const Target& t);
/// Legacy server: o.legacy_threads plain threads each doing BenchUser::find in a loop (a
///    thread-per-request server), against as many raw ODBC threads with a connection each.
void legacy(const Options& o, const Target& t);
/// Legacy server over TCP: examples/legacy_server's server with o.legacy_threads TCP clients,
///    on its Grant store against its raw ODBC store (OdbcStore), two regions, turns alternating.
void server(const Options& o, const Target& t);
/// 4. Memory: o.pending async_find pending at once.
void memory(const Options& o, const Target& t);
/// 5. Scaling: one (o.method, o.size) case of all() / find_each / raw ODBC over a table.
void scaling(const Options& o, const Target& t);

}  // namespace bench::workloads
