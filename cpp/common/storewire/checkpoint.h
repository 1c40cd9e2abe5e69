// A hook that long native operations call between waits (every ~50 ms): the binding
// uses it to look for Ctrl-C. It may throw to abort the operation.
#pragma once

#include <functional>

namespace storewire {

using Checkpoint = std::function<void()>;

}  // namespace storewire
