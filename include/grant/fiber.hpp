// Crystal's concurrency primitives on Boost.Fiber:
// grant::fiber::spawn, Channel<T>, WaitGroup, yield(), sleep().
#pragma once

#include <grant/fiber/channel.hpp>
#include <grant/fiber/spawn.hpp>
#include <grant/fiber/wait_group.hpp>
