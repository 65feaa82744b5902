#include "kernel/VerdictCounts.h"

namespace rtprelay::kernel {

std::string_view VerdictCounts::name(rtprelay_verdict verdict) {
    switch (verdict) {
        case RTPRELAY_VERDICT_FORWARDED:
            return "forwarded";
        case RTPRELAY_VERDICT_MISS:
            return "miss";
        case RTPRELAY_VERDICT_MALFORMED:
            return "malformed";
        case RTPRELAY_VERDICT_UNSUPPORTED:
            return "unsupported";
        case RTPRELAY_VERDICT_GSO:
            return "gso";
        case RTPRELAY_VERDICT_NOT_MEDIA:
            return "not media";
        case RTPRELAY_VERDICT_SOURCE_DROPPED:
            return "source dropped";
        case RTPRELAY_VERDICT_SOURCE_PASSED:
            return "source passed";
        case RTPRELAY_VERDICT_TO_USERSPACE:
            return "to userspace";
        case RTPRELAY_VERDICT_REWRITE_FAILED:
            return "rewrite failed";
        case RTPRELAY_VERDICT_COUNT:
            break;
    }
    return "unknown";
}

}  // namespace rtprelay::kernel
