// See environment.hpp.
#include "drivers/odbc/environment.hpp"

#include <grant/errors.hpp>

namespace grant::driver::odbc {

SQLHENV environment() {
  // A function-local static: C++ guarantees one initialisation even with racing threads.
  static SQLHENV env = [] {
    // Process-level attribute (null handle): must be set before the environment exists.
    SQLSetEnvAttr(SQL_NULL_HENV, SQL_ATTR_CONNECTION_POOLING, reinterpret_cast<SQLPOINTER>(SQL_CP_OFF), 0);
    SQLHENV h = SQL_NULL_HENV;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h)))
      throw DatabaseError("HY001", 0, "unixODBC could not allocate an environment handle", "", "");
    if (!SQL_SUCCEEDED(SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0))) {
      SQLFreeHandle(SQL_HANDLE_ENV, h);
      throw DatabaseError("HY000", 0, "unixODBC refused ODBC version 3", "", "");
    }
    return h;
  }();
  return env;
}

}  // namespace grant::driver::odbc
