#pragma once

#include <string>

#include "call/Call.h"
#include "kernel/KernelPath.h"
#include "media/KernelOffload.h"
#include "ops/StatisticsSnapshot.h"

namespace rtprelay::ops {

// The texts of rtpengine's CLI (`rtpengine-ctl`), laid out as rtpengine lays them out so that
// scripts written against it keep working. Each ends with a line feed.

// `list numsessions`.
std::string numSessionsText(const call::SignallingEngine::SessionCounts& counts);
// `list totals`: section headings and " <description padded to 48>:<value>" lines.
std::string totalsText(const StatisticsSnapshot& s);
// `list counters`: the per-second rates.
std::string countersText(const TrafficRates& rates);
// `list interfaces`: port usage per local address.
std::string interfacesText(const StatisticsSnapshot& s);
// One `list sessions` line.
std::string sessionLine(const call::Call& call);
// `list sessions CALLID`: the call, then every party, media and stream with its counters.
std::string callInfoText(const call::Call& call, const media::KernelOffload* kernel);
// `list kernel` (ours): the eBPF program, nftables and every kernel entry with counters.
// `kernel` is null with `table = -1`.
std::string kernelText(int table, const kernel::KernelPath* kernel);

}  // namespace rtprelay::ops
