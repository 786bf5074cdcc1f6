# `cmake --install` gives find_package(fibercheck CONFIG): the runtime as
# fibercheck::fibercheck, the harness (generators, runner, check(), the tool's
# commands) as fibercheck::harness, and with GoogleTest fibercheck::gtest and
# fibercheck::gtest_main. Headers: <fibercheck/fibercheck.hpp> and
# <fibercheck/harness/check.hpp>, <fibercheck/harness/gtest.hpp>, ...
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FIBERCHECK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fibercheck)

# Only public headers: the runtime's include/ and the harness's include/ (both spell
# <fibercheck/...>); src/ and harness/src/ stay private.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/fibercheck DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/harness/include/fibercheck DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")

target_include_directories(fibercheck_harness PUBLIC
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set_target_properties(fibercheck_harness PROPERTIES EXPORT_NAME harness)
install(TARGETS fibercheck fibercheck_harness EXPORT fibercheckTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS fibercheck_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT fibercheckTargets NAMESPACE fibercheck:: DESTINATION ${FIBERCHECK_CMAKE_DIR})

if(TARGET fibercheck_gtest)
  set_target_properties(fibercheck_gtest PROPERTIES EXPORT_NAME gtest)
  set_target_properties(fibercheck_gtest_main PROPERTIES EXPORT_NAME gtest_main)
  install(TARGETS fibercheck_gtest fibercheck_gtest_main EXPORT fibercheckGTestTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT fibercheckGTestTargets NAMESPACE fibercheck:: DESTINATION ${FIBERCHECK_CMAKE_DIR})
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/fibercheckConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fibercheckConfig.cmake INSTALL_DESTINATION ${FIBERCHECK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fibercheckConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fibercheckConfig.cmake
  ${PROJECT_BINARY_DIR}/fibercheckConfigVersion.cmake DESTINATION ${FIBERCHECK_CMAKE_DIR})
