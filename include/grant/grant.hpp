// Everything a user of Grant for C++ needs: #include <grant/grant.hpp>.
#pragma once

#include <grant/async/async_result.hpp>
#include <grant/async/coordinator.hpp>
#include <grant/async/promise.hpp>
#include <grant/config.hpp>
#include <grant/connection.hpp>
#include <grant/dialect.hpp>
#include <grant/errors.hpp>
#include <grant/fiber.hpp>
#include <grant/migrator.hpp>
#include <grant/model.hpp>
#include <grant/query.hpp>
#include <grant/raw.hpp>
#include <grant/record.hpp>
#include <grant/runtime.hpp>
#include <grant/schema.hpp>
#include <grant/validations.hpp>
#include <grant/value.hpp>
#include <grant/version.hpp>
