// exceptions.hpp: how fibercheck words an exception that escaped a fiber.
//
// The text appears in FiberError::what() ("fiber 'root/x' threw: ..."), in
// Outcome::error and in Outcome::summary(). A std::exception gives its what(). For any
// other type the runtime asks the describers registered here, newest first; the first
// that returns a text wins, and without one the text is "an exception not derived from
// std::exception".
//
// A test framework whose assertions throw their own type registers a describer once,
// for instance from a variable's initializer in a header its tests include:
//
//   inline const bool my_describer_registered = (fibercheck::describe_exceptions_with(
//       [](const std::exception_ptr& e) -> std::optional<std::string> {
//         try {
//           std::rethrow_exception(e);
//         } catch (const my::AssertionFailed& f) {
//           return "my assertion: " + f.expression;
//         } catch (...) {
//           return std::nullopt;  // not ours
//         }
//       }), true);
//
// The harness does this for the property-testing library it integrates with, in a
// header of its own under <fibercheck/harness/>.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "fibercheck/config.hpp"

namespace fibercheck {

// Gives a text for the exceptions it knows, std::nullopt (or any exception) for others.
using ExceptionDescriber = std::function<std::optional<std::string>(const std::exception_ptr&)>;

// Adds a describer for exceptions not derived from std::exception; it is kept for the
// life of the process. Safe from any thread and before main (a static initializer).
// A null describer: std::invalid_argument.
void describe_exceptions_with(ExceptionDescriber describer);

// The text fibercheck gives for e (see above); "no exception" for a null e.
[[nodiscard]] std::string describe_exception(const std::exception_ptr& e);

}  // namespace fibercheck
