// fibercheck.hpp: the whole runtime for code under test, in one include.
#pragma once

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/cond.hpp"
#include "fibercheck/deadlock.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/errgroup.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/once.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/status.hpp"
#include "fibercheck/threads.hpp"
#include "fibercheck/trace.hpp"
#include "fibercheck/wait_group.hpp"
