// Linux only: Debian's Swift 6.0.3 ships libswiftObservation.so with an undefined reference to
// the runtime helper swift::threading::fatal (README, "The iOS app"). Defining it here lets the
// `@Observable` screen models link and be tested; it prints the message and aborts, as the
// runtime's own would.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace swift {
namespace threading {
[[noreturn]] void fatal(const char *msg, ...) {
    va_list args;
    va_start(args, msg);
    std::vfprintf(stderr, msg, args);
    va_end(args);
    std::abort();
}
}  // namespace threading
}  // namespace swift
