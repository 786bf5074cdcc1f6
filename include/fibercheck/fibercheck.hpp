// fibercheck.hpp: the whole runtime for code under test, in one include.
#pragma once

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/status.hpp"
#include "fibercheck/trace.hpp"
