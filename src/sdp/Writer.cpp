#include "sdp/Writer.h"

#include <string_view>
#include <unordered_set>

#include "sdp/StaticPayloadTypes.h"

namespace rtprelay::sdp {

namespace {

class Out {
public:
    explicit Out(std::string& text) : text_(text) {}

    // Starts "<type>=" and returns *this so pieces can be appended; end() closes the line.
    Out& begin(char type) {
        text_ += type;
        text_ += '=';
        return *this;
    }
    Out& operator<<(std::string_view piece) {
        text_.append(piece);
        return *this;
    }
    Out& operator<<(uint64_t number) {
        text_.append(std::to_string(number));
        return *this;
    }
    void end() { text_.append("\r\n"); }

    void line(char type, std::string_view value) {
        begin(type) << value;
        end();
    }
    void attribute(std::string_view name) {
        begin('a') << name;
        end();
    }
    void attribute(std::string_view name, std::string_view value) {
        begin('a') << name << ":" << value;
        end();
    }
    void attribute(const Attribute& a) {
        if (a.hasValue) {
            attribute(a.name, a.value);
        } else {
            attribute(a.name);
        }
    }
    // "a=fmtp:<pt> <rest>" without a dangling blank when rest is empty.
    void keyed(std::string_view name, std::string_view key, std::string_view rest) {
        begin('a') << name << ":" << key;
        if (!rest.empty()) {
            *this << " " << rest;
        }
        end();
    }

private:
    std::string& text_;
};

void writeRtpMap(Out& out, const RtpMap& map) {
    out.begin('a') << "rtpmap:" << map.payloadType << " " << map.encoding << "/"
                   << uint64_t{map.clockRate};
    if (map.channels) {
        out << "/" << uint64_t{*map.channels};
    }
    out.end();
}

void writeCodecs(Out& out, const MediaDescription& m) {
    const bool rtp = m.isRtp();
    // A format listed twice gets its lines once; otherwise every rewrite would double them.
    std::unordered_set<std::string_view> done;
    for (const auto& format : m.formats) {
        if (!done.insert(format).second) {
            continue;
        }
        bool mapped = false;
        for (const auto& map : m.rtpMaps) {
            if (map.payloadType == format) {
                writeRtpMap(out, map);
                mapped = true;
            }
        }
        if (!mapped && rtp) {
            if (auto fallback = m.effectiveRtpMap(format)) {
                writeRtpMap(out, *fallback);
            }
        }
        for (const auto& fmtp : m.fmtps) {
            if (fmtp.payloadType == format) {
                out.keyed("fmtp", fmtp.payloadType, fmtp.parameters);
            }
        }
        // Wildcard feedback is written once after all formats, even if "*" is a format.
        if (format == "*") {
            continue;
        }
        for (const auto& fb : m.rtcpFbs) {
            if (fb.payloadType == format) {
                out.keyed("rtcp-fb", fb.payloadType, fb.value);
            }
        }
    }
    for (const auto& fb : m.rtcpFbs) {
        if (fb.payloadType == "*") {
            out.keyed("rtcp-fb", fb.payloadType, fb.value);
        }
    }
}

void writeMedia(Out& out, const SessionDescription& sdp, size_t index,
                const WriteOptions& options) {
    const MediaDescription& m = sdp.media[index];
    out.begin('m') << m.type << " " << uint64_t{m.port};
    if (m.portCount) {
        out << "/" << uint64_t{*m.portCount};
    }
    out << " " << m.protocol;
    for (const auto& format : m.formats) {
        out << " " << format;
    }
    out.end();
    if (m.info) {
        out.line('i', *m.info);
    }
    if (const Connection* c = sdp.effectiveConnection(index)) {
        out.line('c', c->toString());
    }
    for (const auto& b : m.bandwidths) {
        out.begin('b') << b.type << ":" << b.value;
        out.end();
    }
    for (const auto& extra : m.extraLines) {
        out.line(extra.type, extra.value);
    }
    if (m.mid) {
        out.attribute("mid", *m.mid);
    }
    if (m.label) {
        out.attribute("label", *m.label);
    }
    if (m.bundleOnly) {
        out.attribute("bundle-only");
    }
    writeCodecs(out, m);
    for (const auto& extmap : m.extmaps) {
        out.attribute("extmap", extmap);
    }
    for (const auto& a : m.attributes) {
        out.attribute(a);
    }
    if (m.direction || sdp.direction || !options.originalSendrecv) {
        out.attribute(toString(sdp.effectiveDirection(index)));
    }
    if (m.rtcp && (!m.rtcpMux || options.rtcpWithMux)) {
        out.begin('a') << "rtcp:" << uint64_t{m.rtcp->port};
        if (m.rtcp->connection) {
            out << " " << m.rtcp->connection->toString();
        }
        out.end();
    }
    if (m.rtcpMux) {
        out.attribute("rtcp-mux");
    }
    for (const auto& crypto : m.cryptos) {
        out.attribute("crypto", crypto);
    }
    if (m.setup) {
        out.attribute("setup", *m.setup);
    }
    for (const auto& fingerprint : m.fingerprints) {
        out.attribute("fingerprint", fingerprint);
    }
    if (m.tlsId) {
        out.attribute("tls-id", *m.tlsId);
    }
    if (m.ptime) {
        out.attribute("ptime", std::to_string(*m.ptime));
    }
    if (m.maxptime) {
        out.attribute("maxptime", std::to_string(*m.maxptime));
    }
    if (m.iceLite) {
        out.attribute("ice-lite");
    }
    if (m.iceUfrag) {
        out.attribute("ice-ufrag", *m.iceUfrag);
    }
    if (m.icePwd) {
        out.attribute("ice-pwd", *m.icePwd);
    }
    if (m.iceOptions) {
        out.attribute("ice-options", *m.iceOptions);
    }
    for (const auto& candidate : m.candidates) {
        out.attribute("candidate", candidate);
    }
    if (m.endOfCandidates) {
        out.attribute("end-of-candidates");
    }
}

}  // namespace

std::string write(const SessionDescription& sdp, const WriteOptions& options) {
    std::string text;
    text.reserve(512 + 512 * sdp.media.size());
    Out out(text);
    out.line('v', "0");
    const Origin& o = sdp.origin;
    out.begin('o') << o.username << " " << o.sessionId << " " << o.sessionVersion << " "
                   << o.netType << " " << o.addrType << " " << o.address;
    out.end();
    // RFC 8866 asks for "s= " when there is no name, and rtpengine writes exactly that.
    out.line('s', sdp.sessionName.empty() ? std::string_view(" ") : sdp.sessionName);
    if (sdp.info) {
        out.line('i', *sdp.info);
    }
    if (sdp.uri) {
        out.line('u', *sdp.uri);
    }
    for (const auto& email : sdp.emails) {
        out.line('e', email);
    }
    for (const auto& phone : sdp.phones) {
        out.line('p', phone);
    }
    for (const auto& b : sdp.bandwidths) {
        out.begin('b') << b.type << ":" << b.value;
        out.end();
    }
    if (sdp.timings.empty()) {
        out.line('t', "0 0");
    }
    for (const auto& timing : sdp.timings) {
        out.line('t', timing.value);
        for (const auto& repeat : timing.repeats) {
            out.line('r', repeat);
        }
    }
    for (const auto& zone : sdp.timeZones) {
        out.line('z', zone);
    }
    for (const auto& extra : sdp.extraLines) {
        out.line(extra.type, extra.value);
    }
    for (const auto& a : sdp.attributes) {
        out.attribute(a);
    }
    for (size_t i = 0; i < sdp.media.size(); ++i) {
        writeMedia(out, sdp, i, options);
    }
    return text;
}

}  // namespace rtprelay::sdp
