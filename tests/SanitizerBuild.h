#pragma once

namespace rtprelay {

// True in the ASan+UBSan and TSan builds. At the open file limit their runtimes cannot work
// (they probe memory through pipe(): UBSan's vptr check then reports a false "invalid vptr"),
// so tests that exhaust descriptors run in the release build only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif
#else
inline constexpr bool kSanitizerBuild = false;
#endif

}  // namespace rtprelay
