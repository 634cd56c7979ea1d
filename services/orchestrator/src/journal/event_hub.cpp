#include "src/journal/event_hub.h"

namespace octo::orchestrator {
namespace {
// Published events kept per watched task; a watcher further behind reads the store.
constexpr size_t kBufferedEvents = 256;
// Published events kept per local task nobody watches (yet).
constexpr size_t kRecentEvents = 32;
}  // namespace

void EventHub::Append(std::deque<v1::TaskEvent>& buffer, const v1::TaskEvent& event, size_t cap) {
  if (!buffer.empty() && event.seq() <= buffer.back().seq()) return;
  buffer.push_back(event);
  if (buffer.size() > cap) buffer.pop_front();
}

EventHub::Watch::Watch(EventHub& hub, absl::string_view task_id) : hub_(hub), task_id_(task_id) {
  absl::MutexLock lock(&hub_.mu_);
  auto& entry = hub_.entries_[task_id_];
  if (entry == nullptr) {
    entry = std::make_unique<Entry>();
    if (auto it = hub_.local_.find(task_id_); it != hub_.local_.end()) {
      entry->events = it->second.recent;
    }
  }
  ++entry->watchers;
}

EventHub::Watch::~Watch() {
  absl::MutexLock lock(&hub_.mu_);
  auto it = hub_.entries_.find(task_id_);
  if (--it->second->watchers == 0) hub_.entries_.erase(it);
}

uint64_t EventHub::Watch::version() const {
  absl::MutexLock lock(&hub_.mu_);
  return hub_.FindLocked(task_id_)->version + hub_.epoch_;
}

uint64_t EventHub::Watch::dirt() const {
  absl::MutexLock lock(&hub_.mu_);
  return hub_.FindLocked(task_id_)->dirt + hub_.epoch_;
}

void EventHub::Watch::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&hub_.mu_);
  Entry* entry = hub_.FindLocked(task_id_);
  while (entry->version + hub_.epoch_ == seen) {
    if (entry->changed.WaitWithDeadline(&hub_.mu_, deadline)) return;
  }
}

EventHub::Watch::Taken EventHub::Watch::Buffered(int64_t from) const {
  Taken taken;
  absl::MutexLock lock(&hub_.mu_);
  const Entry* entry = hub_.FindLocked(task_id_);
  for (const v1::TaskEvent& event : entry->events) {
    if (event.seq() < from) continue;
    if (event.seq() != from) {
      taken.gap = taken.events.empty();
      break;
    }
    taken.events.push_back(event);
    ++from;
  }
  return taken;
}

bool EventHub::Watch::ServedLocally(absl::string_view tenant, int64_t from) const {
  absl::MutexLock lock(&hub_.mu_);
  auto local = hub_.local_.find(task_id_);
  if (local == hub_.local_.end() || local->second.tenant != tenant) return false;
  const Entry* entry = hub_.FindLocked(task_id_);
  if (entry->events.empty()) return false;
  return entry->events.front().seq() <= from && from <= entry->events.back().seq() + 1;
}

EventHub::Entry* EventHub::FindLocked(absl::string_view task_id) const {
  auto it = entries_.find(task_id);
  return it == entries_.end() ? nullptr : it->second.get();
}

void EventHub::DirtyLocked(Entry& entry) {
  ++entry.dirt;
  ++entry.version;
  entry.changed.SignalAll();
}

void EventHub::Publish(const std::string& task_id, const std::vector<v1::TaskEvent>& events) {
  if (events.empty()) return;
  absl::MutexLock lock(&mu_);
  if (auto local = local_.find(task_id); local != local_.end()) {
    for (const v1::TaskEvent& event : events) Append(local->second.recent, event, kRecentEvents);
  }
  Entry* entry = FindLocked(task_id);
  if (entry == nullptr) return;
  for (const v1::TaskEvent& event : events) Append(entry->events, event, kBufferedEvents);
  ++entry->version;
  entry->changed.SignalAll();
}

void EventHub::Notify(absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  Entry* entry = FindLocked(task_id);
  if (entry == nullptr || local_.contains(task_id)) return;
  DirtyLocked(*entry);
}

void EventHub::Refresh(absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  if (Entry* entry = FindLocked(task_id); entry != nullptr) DirtyLocked(*entry);
}

void EventHub::NotifyAll() {
  absl::MutexLock lock(&mu_);
  ++epoch_;
  for (auto& [id, entry] : entries_) entry->changed.SignalAll();
}

void EventHub::SetLocal(const std::string& task_id, const std::string& tenant) {
  absl::MutexLock lock(&mu_);
  local_[task_id].tenant = tenant;
}

void EventHub::ClearLocal(const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  local_.erase(task_id);
  if (Entry* entry = FindLocked(task_id); entry != nullptr) DirtyLocked(*entry);
}

}  // namespace octo::orchestrator
