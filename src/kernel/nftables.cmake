# Daemon-managed nftables objects (chain, jump rule, media-port set) through libnftables.
# Included from src/kernel/CMakeLists.txt; defines the static library rtprelay_nftables.
pkg_check_modules(NFTABLES REQUIRED IMPORTED_TARGET libnftables)

add_library(rtprelay_nftables STATIC
  ${CMAKE_CURRENT_LIST_DIR}/NftablesContext.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NftablesGeneration.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NftablesManager.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NftablesMode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NftablesSettings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/NftablesTable.cpp)
target_include_directories(rtprelay_nftables PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(rtprelay_nftables
  PUBLIC rtprelay_config rtprelay_kernel
  PRIVATE PkgConfig::NFTABLES nlohmann_json::nlohmann_json Threads::Threads)
