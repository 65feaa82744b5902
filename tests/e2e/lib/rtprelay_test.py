"""What the end-to-end tests (tests/e2e/*.sh) share: bencode, an ng client, RTP packets, JSON
field access and the SDPs of the test parties. The scripts put this directory on PYTHONPATH for
their own helpers (`from rtprelay_test import ...`) and run it as a command:
rtprelay_test.py ng PORT JSON-REQUEST      -> the bencode reply as JSON on stdout
rtprelay_test.py field JSON-FILE PATH       -> the value at PATH (keys separated by '/', list
                                               indexes), dicts and lists as JSON
rtprelay_test.py sdp ADDRESS PORT [VERSION [te]] -> a one-audio-stream SDP (PCMU; with `te` also
                                               telephone-event 101) as a JSON string"""
import json, os, socket, struct, sys


# --- bencode ------------------------------------------------------------------------------------
def benc(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(benc(v) for v in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in sorted(x.items())) + b"e"
    raise TypeError(x)


def bdec(b, i=0):
    """(value, index after it) of the bencode value at b[i:]; strings decoded as UTF-8."""
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        i, out = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = bdec(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i, out = i + 1, {}
        while b[i:i + 1] != b"e":
            k, i = bdec(b, i)
            v, i = bdec(b, i)
            out[k] = v
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    return b[j + 1:j + 1 + n].decode("utf-8", "replace"), j + 1 + n


# --- ng client ----------------------------------------------------------------------------------
class Ng:
    """ng (bencode over UDP) client of rtprelayd on 127.0.0.1:PORT. A request is sent up to three
    times, 1 s apart, until the reply with its cookie (PREFIX, PID, number) arrives; none:
    RuntimeError."""

    def __init__(self, port, prefix="t"):
        self.addr = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(1.0)
        self.prefix = prefix.encode()
        self.n = 0

    def request(self, req):
        self.n += 1
        cookie = b"%s%d_%d" % (self.prefix, os.getpid(), self.n)
        msg = cookie + b" " + benc(req)
        for _ in range(3):
            self.sock.sendto(msg, self.addr)
            try:
                while True:
                    data = self.sock.recv(1 << 20)
                    if data.startswith(cookie + b" "):
                        return bdec(data, len(cookie) + 1)[0]
            except socket.timeout:
                continue
        raise RuntimeError("no reply from rtprelayd to %r" % req.get("command"))

    def ping(self):
        """The result of a ping ("pong")."""
        return self.request({"command": "ping"}).get("result")

    def list(self, limit):
        """The call-ids ng list shows."""
        return self.request({"command": "list", "limit": limit}).get("calls") or []

    def query(self, call_id):
        return self.request({"command": "query", "call-id": call_id})

    def statistics(self):
        return self.request({"command": "statistics"})


# --- JSON replies -------------------------------------------------------------------------------
def get(v, key_path):
    """The value at KEY_PATH ('/'-separated keys, list indexes) in V."""
    for k in key_path.split("/"):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v


# --- RTP ----------------------------------------------------------------------------------------
def udp_socket(bind, port):
    """A UDP socket of BIND's family bound to BIND:PORT."""
    sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind, port))
    return sock


def rtp(seq, ssrc, pt=0):
    """RTP version 2, no padding/extension/CSRC, marker 0, timestamp seq * 160; PT 101
    (telephone-event) carries an RFC 4733 event (1, volume 10, duration 160), any other PT 160
    bytes of seq & 0xFF (PT 0, PCMU: a 172-byte packet)."""
    head = struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, (seq * 160) & 0xFFFFFFFF, ssrc)
    if pt == 101:
        return head + bytes([1, 10, 0, 160])
    return head + bytes([seq & 0xFF]) * 160


def rtp_header(data):
    """(pt, seq, timestamp, ssrc) of a packet, None when it is shorter than an RTP header."""
    if len(data) < 12:
        return None
    seq, ts, ssrc = struct.unpack("!HII", data[2:12])
    return data[1] & 0x7F, seq, ts, ssrc


def valid(data):
    """DATA is a packet as rtp() makes them with PT 0 or 101, intact (any SSRC and timestamp)."""
    h = rtp_header(data)
    if h is None or data[0] != 0x80:
        return False
    pt, seq = h[0], h[1]
    if pt == 101:
        return len(data) == 16
    return pt == 0 and len(data) == 172 and data[12:] == bytes([seq & 0xFF]) * 160


# --- SDP ----------------------------------------------------------------------------------------
def sdp(addr, port, version=1, telephone_event=False):
    """A one-audio-stream SDP of a party at ADDR (IPv4 or IPv6) receiving on PORT: PCMU, with
    TELEPHONE_EVENT also telephone-event/8000 as PT 101 (events 0-16)."""
    ip = "IP6" if ":" in addr else "IP4"
    pts, extra = ("0 101", "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n") \
        if telephone_event else ("0", "")
    return ("v=0\r\no=- 1 %s IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
            "m=audio %s RTP/AVP %s\r\na=rtpmap:0 PCMU/8000\r\n%s"
            % (version, ip, addr, ip, addr, port, pts, extra))


# --- command line -------------------------------------------------------------------------------
def main(argv):
    cmd, a = argv[0], argv[1:]
    if cmd == "ng":
        req = json.loads(a[1])
        try:
            reply = Ng(int(a[0])).request(req)
        except RuntimeError as e:
            sys.exit(str(e))
        print(json.dumps(reply))
    elif cmd == "field":
        v = get(json.load(open(a[0])), a[1])
        print(v if not isinstance(v, (dict, list)) else json.dumps(v))
    elif cmd == "sdp":
        print(json.dumps(sdp(a[0], a[1], a[2] if len(a) > 2 else "1", a[3:4] == ["te"])))
    else:
        sys.exit("unknown command %r (see the docstring of %s)" % (cmd, __file__))


if __name__ == "__main__":
    main(sys.argv[1:])
