// config.hpp: what every fibercheck header needs from the compiler. Every public
// header includes it before any code of its own, so a build without C++20 stops here,
// saying how to fix it, rather than deep inside a header that uses C++20.
#pragma once

// MSVC keeps __cplusplus at 199711L unless /Zc:__cplusplus; _MSVC_LANG is the standard.
#if __cplusplus < 202002L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 202002L)
#error \
    "fibercheck needs C++20: compile with -std=c++20 (GCC, Clang) or /std:c++20 (MSVC); with CMake, link fibercheck::fibercheck, whose cxx_std_20 compile feature does it"
#endif
