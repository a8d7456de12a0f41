#pragma once
// A multi-process run on torch's c10d: a TCPStore at MASTER_ADDR:MASTER_PORT
// (hosted by rank 0, or by torchrun's agent) and a Gloo process group. Every
// collective has the launch environment's timeout; a watchdog thread per
// rank keeps a heartbeat in the store, so a rank that dies is named by the
// others, which stop (exit 1) instead of waiting. A rank that fails tells
// the others, which stop with its exit code and message.
#include <string>

#include "hwnas/common/launch_env.h"
#include "hwnas/train/communicator.h"

namespace hwnas {

/// Joins the group `env` describes; throws InputError (exit 2) when the
/// store at MASTER_ADDR:MASTER_PORT cannot be reached or formed within the
/// timeout. Sets process_launch().
void join_process_group(const LaunchEnv& env);

/// The run's communicator: the group once joined, else the local one.
Communicator& process_communicator();

/// Leaves the group. code 0: waits until every rank is done, so rank 0's
/// store outlives the others' last use of it. Otherwise: records this
/// rank's failure for the others to report. No-op when not joined.
void leave_process_group(int code, const std::string& message);

}  // namespace hwnas
