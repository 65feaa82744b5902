#include "media/EndpointLearner.h"

namespace rtprelay::media {

void EndpointLearner::reset(const Settings& settings, std::chrono::steady_clock::time_point now) {
    settings_ = settings;
    signalled_ = now;
    packets_ = 0;
    confirmed_ = false;
    candidateRank_ = -1;
    if (settings_.mode == LearningMode::off) {
        // No learning: media goes to the SDP address and is accepted as it comes.
        confirmed_ = settings_.expected.has_value();
        if (endpoint_ != settings_.expected) {
            endpoint_ = settings_.expected;
            ++generation_;
        }
    }
}

int EndpointLearner::rank(const net::Endpoint& source) const {
    if (!settings_.expected) {
        return 0;
    }
    bool sameAddress = source.address() == settings_.expected->address();
    bool samePort = source.port() == settings_.expected->port();
    if (sameAddress && samePort) {
        return 3;
    }
    if (sameAddress) {
        return 2;
    }
    return samePort ? 1 : 0;
}

void EndpointLearner::confirm(const net::Endpoint& source) {
    confirmed_ = true;
    endpoint_ = source;
    ++generation_;
}

EndpointLearner::Verdict EndpointLearner::onPacket(const net::Endpoint& source,
                                                   std::chrono::steady_clock::time_point now) {
    if (settings_.mode == LearningMode::off) {
        if (settings_.strictSource && settings_.expected && source != *settings_.expected) {
            return Verdict::drop;
        }
        return Verdict::forward;
    }
    if (confirmed_) {
        if (endpoint_ && source == *endpoint_) {
            return Verdict::forward;
        }
        if (settings_.mediaHandover && !settings_.strictSource) {
            endpoint_ = source;
            ++generation_;
            return Verdict::forward;
        }
        return Verdict::drop;
    }

    int r = rank(source);
    if (settings_.strictSource && settings_.expected && r < 2) {
        return Verdict::drop;
    }
    ++packets_;
    switch (settings_.mode) {
        case LearningMode::immediate:
            confirm(source);
            return Verdict::forward;
        case LearningMode::heuristic:
            if (r == 3) {
                confirm(source);
                return Verdict::forward;
            }
            [[fallthrough]];
        case LearningMode::delayed: {
            // Delayed keeps the latest source; heuristic keeps the best ranked (latest on ties).
            bool better = settings_.mode == LearningMode::delayed || r >= candidateRank_;
            if (better) {
                if (endpoint_ != source) {
                    endpoint_ = source;
                    ++generation_;
                }
                candidateRank_ = r;
            }
            if (packets_ >= learningPackets || now - signalled_ >= learningDelay) {
                confirm(*endpoint_);
                return source == *endpoint_ ? Verdict::forward : Verdict::drop;
            }
            return Verdict::forward;
        }
        case LearningMode::off:
            break;
    }
    return Verdict::forward;
}

}  // namespace rtprelay::media
