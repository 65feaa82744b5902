#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rtprelay::call {

enum class IceMode { unchanged, remove, force, defaultMode, optional, forceRelay };
enum class AddressFamilyChoice { unchanged, ipv4, ipv6 };

// The ng keys and flags of a signalling request (offer, answer, delete, query, ...) with
// rtpengine's meaning (reference §2.5, §2.7, §3). Parsed from the request dictionary, its
// `flags` list (including prefix forms such as `replace-origin`, `rtcp-mux-demux`,
// `codec-strip-PCMA`) and the `rtpp-flags` string. Unknown keys, flags and values land in
// `unknown` to be logged, never rejected.
struct CallFlags {
    // Identity.
    std::string callId;
    std::string fromTag;
    std::string toTag;
    std::string viaBranch;
    std::string label;

    // SDP and addressing.
    std::optional<std::string> sdp;
    std::vector<std::string> direction;       // logical interface names: [from-side, to-side]
    std::string interface;                    // `interface` / `from-interface`
    std::string toInterface;                  // `to-interface`
    std::optional<std::string> receivedFrom;  // address only ([family, addr] or addr)
    std::optional<std::string> mediaAddress;
    AddressFamilyChoice addressFamily = AddressFamilyChoice::unchanged;
    std::optional<std::string> transportProtocol;  // RTP/AVP, RTP/SAVPF, ... or "accept"

    // SDP rewriting.
    std::set<std::string> replace;  // origin, origin-full, session-name, sdp-version,
                                    // username, zero-address, force-increment-sdp-ver
    IceMode ice = IceMode::unchanged;
    std::set<std::string> rtcpMux;        // offer, require, demux, accept, reject
    std::vector<std::string> codecStrip;  // encoding names or "all"
    std::vector<std::string> codecMask;
    std::vector<std::string> codecExcept;  // keep these even when "all" is stripped
    std::vector<std::string> codecOffer;
    std::vector<std::string> codecAccept;
    std::vector<std::string> codecTranscode;  // accepted, logged as unsupported
    std::vector<std::string> codecIgnore;     // `ignore` / `codec-ignore-X`
    std::vector<std::string> codecConsume;    // `consume` / `codec-consume-X`
    std::vector<std::string> codecSet;        // `set` / `codec-set-X`
    std::vector<std::string> sdes;            // `SDES` list / `SDES-X` flags; WebRTC adds "off"

    // Media behaviour (used by the relay).
    bool trustAddress = true;  // rtpengine default unless SIP source address
    bool sipSourceAddress = false;
    bool symmetric = false;
    bool asymmetric = false;
    bool strictSource = false;
    bool mediaHandover = false;
    bool portLatching = false;
    bool noPortLatching = false;
    bool originalSendrecv = false;
    bool noRtcpAttribute = false;
    bool fullRtcpAttribute = false;
    std::optional<std::string> endpointLearning;  // off, immediate, delayed, heuristic
    std::optional<int> tos;

    // delete / query.
    bool toTagFlag = false;  // flag `to-tag`: delete honours the to-tag
    bool fatal = false;
    bool fast = false;
    bool discardRecording = false;
    std::optional<int64_t> deleteDelay;  // seconds; negative = use the configured default
    std::optional<int64_t> limit;        // `list`
    std::vector<std::string> fromTags;   // `from-tags` / `from-tags-X`: block/silence targets

    // Client capabilities.
    bool supportsLoadLimit = false;

    // Every flag string seen (after alias normalisation), for handlers that need others.
    std::set<std::string> flags;
    // Keys, flags or values that were not understood: "key 'foo'", "flag 'bar'", ...
    std::vector<std::string> unknown;

    bool hasFlag(const std::string& f) const { return flags.count(f) != 0; }
};

}  // namespace rtprelay::call
