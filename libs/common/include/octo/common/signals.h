// Process-wide signal settings shared by the libraries that write to sockets and pipes.
#pragma once

namespace octo::common {

// Sets SIGPIPE to ignored, process-wide, unless the program installed its own handler, so a
// write to a peer or child that went away fails with EPIPE instead of killing the process.
// Thread-safe; only the first call does anything.
void IgnoreSigpipe();

}  // namespace octo::common
