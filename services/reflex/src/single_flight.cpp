#include "src/single_flight.h"

namespace octo::reflex {

bool SubmitFlights::Join(const std::string& key, Done done) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = flights_.try_emplace(key);
  if (!inserted) it->second.push_back(std::move(done));
  return inserted;
}

void SubmitFlights::Complete(const std::string& key, const grpc::Status& status,
                             const v1::SubmitTaskResponse& response) {
  std::vector<Done> followers;
  {
    absl::MutexLock lock(&mu_);
    auto it = flights_.find(key);
    if (it == flights_.end()) return;
    followers = std::move(it->second);
    flights_.erase(it);
  }
  if (followers.empty()) return;
  v1::SubmitTaskResponse shared = response;
  shared.set_created(false);
  for (Done& done : followers) done(status, shared);
}

}  // namespace octo::reflex
