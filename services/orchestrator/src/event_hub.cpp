#include "src/event_hub.h"

namespace octo::orchestrator {

EventHub::Watch::Watch(EventHub& hub, absl::string_view task_id)
    : hub_(hub), task_id_(task_id) {
  absl::MutexLock lock(&hub_.mu_);
  ++hub_.entries_[task_id_].watchers;
}

EventHub::Watch::~Watch() {
  absl::MutexLock lock(&hub_.mu_);
  auto it = hub_.entries_.find(task_id_);
  if (--it->second.watchers == 0) hub_.entries_.erase(it);
}

uint64_t EventHub::Watch::version() const {
  absl::MutexLock lock(&hub_.mu_);
  return hub_.VersionLocked(task_id_);
}

void EventHub::Watch::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&hub_.mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(hub_.mu_) {
    return hub_.VersionLocked(task_id_) != seen;
  };
  hub_.mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

uint64_t EventHub::VersionLocked(const std::string& task_id) const {
  auto it = entries_.find(task_id);
  return (it == entries_.end() ? 0 : it->second.version) + epoch_;
}

void EventHub::Notify(absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(task_id);
  if (it != entries_.end()) ++it->second.version;
}

void EventHub::NotifyAll() {
  absl::MutexLock lock(&mu_);
  ++epoch_;
}

}  // namespace octo::orchestrator
