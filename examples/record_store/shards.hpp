// Where the record store keeps its rows: the catalogue and customers on "primary", each
// invoice (with its lines) on the invoice shard of its customer's region.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace record_store {

inline constexpr std::string_view primary_shard = "primary";
/// The invoice shards, in display order.
inline constexpr std::array<std::string_view, 3> invoice_shards = {"americas", "europe", "world"};

/// The invoice shard for a customer's country: North and South America -> "americas",
/// Europe -> "europe", anything else (India, Australia, unknown) -> "world".
std::string_view region_of(std::string_view country);

}  // namespace record_store
