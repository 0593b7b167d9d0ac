// The process-wide ODBC environment (one SQLHENV per process, ODBC 3,
// unixODBC connection pooling off — the project pools connections itself).
#pragma once

#include <sql.h>
#include <sqlext.h>

namespace grant::driver::odbc {

/// The environment handle, allocated on first use (thread-safe). It is never freed: it
/// must outlive every connection, including ones that static destructors may still close.
/// Throws grant::DatabaseError if unixODBC cannot allocate it.
SQLHENV environment();

}  // namespace grant::driver::odbc
