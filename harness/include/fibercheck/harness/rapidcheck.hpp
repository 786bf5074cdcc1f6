// rapidcheck.hpp: fibercheck with RapidCheck. Including this header in a test
// program is enough: an RC_ASSERT (RC_FAIL, RC_ASSERT_THROWS, ...) that fails inside
// a fiber is then reported as
//
//   fiber 'root/checker' threw: RapidCheck assertion: <RapidCheck's description>
//
// in FiberError::what(), Outcome::error and Outcome::summary(), instead of "an
// exception not derived from std::exception": RapidCheck's assertions throw its own
// result type, which the runtime does not know (see <fibercheck/exceptions.hpp>).
// The program links RapidCheck itself (target `rapidcheck` of find_package(rapidcheck)).
//
// The describer is registered by the initializer of an inline variable, run before
// main in every program with a translation unit that includes this header. Include it
// from a source file of the test executable itself: a static library's object file
// that nothing else references is not linked in, and neither is its initializer.
#pragma once

#include <rapidcheck.h>

#include <exception>
#include <optional>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/exceptions.hpp"

namespace fibercheck {

// The text for a RapidCheck case result thrown by RC_ASSERT and friends (RC_SUCCEED,
// RC_PRE and RC_DISCARD throw it too); std::nullopt for anything else.
inline std::optional<std::string> describe_rapidcheck_exception(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const rc::detail::CaseResult& r) {
    switch (r.type) {
      case rc::detail::CaseResult::Type::Failure:
        return "RapidCheck assertion: " + r.description;
      case rc::detail::CaseResult::Type::Discard:
        return "RapidCheck discarded the case (RC_PRE or RC_DISCARD): " + r.description;
      case rc::detail::CaseResult::Type::Success:
        return "RapidCheck succeeded the case (RC_SUCCEED): " + r.description;
    }
    return "RapidCheck case result: " + r.description;
  } catch (...) {
    return std::nullopt;
  }
}

namespace detail {
inline const bool rapidcheck_describer_registered =
    (describe_exceptions_with(&describe_rapidcheck_exception), true);
}  // namespace detail

}  // namespace fibercheck
