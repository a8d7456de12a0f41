#pragma once
// Resident memory of this process, from /proc/self/status (Linux).

namespace hwnas {

/// VmRSS: resident memory now, in MiB.
double current_rss_mib();
/// VmHWM: the peak resident memory so far, in MiB.
double peak_rss_mib();

}  // namespace hwnas
