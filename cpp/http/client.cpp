#include "http/client.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "http/ca_bundle.h"
#include "http/event_loop.h"
#include "http/head.h"
#include "http/transfer.h"

namespace storewire::http {
namespace {

using Clock = std::chrono::steady_clock;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Removes and returns the element owning `raw` from `list` (order is not kept).
std::unique_ptr<Transfer> take(std::vector<std::unique_ptr<Transfer>>& list, Transfer* raw) {
  for (auto& slot : list) {
    if (slot.get() == raw) {
      std::unique_ptr<Transfer> out = std::move(slot);
      slot = std::move(list.back());
      list.pop_back();
      return out;
    }
  }
  return nullptr;
}

}  // namespace

// One multi handle, its epoll loop and the thread that drives them. Transfers assigned to
// a loop stay on it (retries included); max_in_flight is shared by all loops of a client.
class Client::Loop {
 public:
  explicit Loop(Client& owner) : c_(owner) {
    multi_ = curl_multi_init();
    if (!multi_) throw Error(ErrorKind::Internal, "curl_multi_init failed");
    // Keep enough idle connections for every transfer slot to find one again.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(c_.options_.max_in_flight + 4));
    if (c_.options_.max_host_connections > 0)
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, c_.options_.max_host_connections);
    try {
      events_ = std::make_unique<EventLoop>(multi_);
    } catch (...) {
      curl_multi_cleanup(multi_);
      throw;
    }
  }
  ~Loop() {
    stop();
    for (CURL* e : idle_easy_) curl_easy_cleanup(e);
    // Closing the pooled connections calls back into the event loop: it goes last.
    curl_multi_cleanup(multi_);
    events_.reset();
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Requests handed over together. The loop thread builds each Transfer when the request
  // gets a slot: a Transfer is allocated and freed by the same thread (glibc's thread
  // cache, no arena lock), at most max_in_flight of them exist, and the submitting thread
  // does no per-request allocation here.
  struct Submission {
    std::shared_ptr<Batch> batch;
    std::vector<std::shared_ptr<const RequestSpec>> specs;
    std::vector<std::size_t> indices;  // each spec's index in the batch; empty: 0, 1, ...

    // The Transfer of spec i (which it takes over).
    std::unique_ptr<Transfer> build(std::size_t i) {
      const std::size_t index = indices.empty() ? i : indices[i];
      return std::make_unique<Transfer>(std::move(specs[i]), batch, index);
    }
  };

  // Submitting threads, under the client's mutex (so the loop cannot be stopped meanwhile).
  void push(Submission submission) {
    const int n = static_cast<int>(submission.specs.size());
    load_ += n;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      submitted_.push_back(std::move(submission));
      queued_ += n;
    }
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    events_->wake();
  }
  void cancel(const std::shared_ptr<Batch>& batch) {
    if (!thread_.joinable()) return;  // never got a transfer
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancel_requests_.push_back(batch);
    }
    events_->wake();
  }
  void wake() { events_->wake(); }
  // Joins the thread; the client set stopping_ first.
  void stop() {
    if (!thread_.joinable()) return;
    events_->wake();
    thread_.join();
  }
  int load() const { return load_.load(std::memory_order_relaxed); }
  bool has_queued() const { return queued_.load() > 0; }

 private:
  void run();
  void take_submissions();
  void start_ready();
  void start(std::unique_ptr<Transfer> t);
  void reap();
  void retire(Transfer* t, CURLcode code);
  std::unique_ptr<Transfer> next_pending();
  bool has_ready() const { return !ready_.empty() || !pending_.empty(); }
  void complete(std::unique_ptr<Transfer> t);
  void apply_cancellations();
  long wait_ms() const;
  CURL* take_easy();
  void give_back_easy(CURL* easy) {
    if (easy) idle_easy_.push_back(easy);
  }

  Client& c_;
  CURLM* multi_ = nullptr;
  std::unique_ptr<EventLoop> events_;
  std::thread thread_;
  std::atomic<int> load_{0};    // transfers assigned here and not yet complete
  std::atomic<int> queued_{0};  // of which waiting for a slot (submitted_, pending_, ready_)

  // Shared with submitting threads.
  std::mutex mutex_;
  std::vector<Submission> submitted_;
  std::vector<std::shared_ptr<Batch>> cancel_requests_;

  // Loop thread only.
  std::deque<std::unique_ptr<Transfer>> ready_;      // retries due, waiting for a slot
  std::deque<Submission> pending_;                   // new requests waiting for a slot, FIFO
  std::size_t pending_next_ = 0;                     // first unstarted spec of pending_.front()
  std::vector<std::unique_ptr<Transfer>> waiting_;   // retries waiting for their due time
  std::vector<std::unique_ptr<Transfer>> running_;
  std::vector<CURL*> idle_easy_;
};

namespace {

// Event-loop threads for large transfers: one per core up to 4 (more only adds wake-ups
// on the same memory bandwidth). STOREWIRE_HTTP_LOOPS overrides it, e.g. to compare 1.
int loops_wanted(const ClientOptions& o) {
  if (o.max_host_connections > 0) return 1;  // one pool: the per-host limit holds exactly
  int n = static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  if (const char* env = std::getenv("STOREWIRE_HTTP_LOOPS")) {
    const int v = std::atoi(env);
    if (v >= 1 && v <= 64) n = v;
  }
  return std::max(1, std::min(n, o.max_in_flight));
}

// Transfers big enough that spreading them over loops pays; small ones share loop 0.
bool is_large(const RequestSpec& s) {
  constexpr std::uint64_t kLarge = 1u << 20;
  switch (s.sink.kind) {
    case BodySink::Kind::File:
      return true;
    case BodySink::Kind::Buffer:
      if (s.sink.capacity >= kLarge) return true;
      break;
    case BodySink::Kind::Memory:
      break;
  }
  switch (s.body.kind) {
    case BodySource::Kind::File:
      return !s.body.length || *s.body.length >= kLarge;
    case BodySource::Kind::Buffer:
      return s.body.size >= kLarge;
    case BodySource::Kind::None:
      break;
  }
  return false;
}

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)), retry_(options_) {
  if (options_.max_in_flight < 1)
    throw Error(ErrorKind::InvalidArgument, "max_in_flight must be at least 1");
  if (options_.max_retries < 0)
    throw Error(ErrorKind::InvalidArgument, "max_retries must not be negative");
  if (auto problem = check_user_agent(options_.user_agent))
    throw Error(ErrorKind::InvalidArgument, *problem);
  global_init();
  if (!options_.ca_file && options_.verify_tls) options_.ca_file = default_ca_bundle();
  const int n = loops_wanted(options_);
  for (int i = 0; i < n; ++i) loops_.push_back(std::make_unique<Loop>(*this));
}

Client::~Client() { close(); }

void Client::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    // Direct calls in progress on other threads stop at their next poll.
    for (auto& [t, multi] : active_direct_) {
      t->interrupt();
      curl_multi_wakeup(multi);
    }
    for (DirectSlot& slot : idle_direct_) {
      curl_easy_cleanup(slot.easy);
      curl_multi_cleanup(slot.multi);
    }
    idle_direct_.clear();
  }
  stopping_ = true;
  // The loops themselves stay until the destructor: direct calls still finishing on other
  // threads look at them when they give their slot back.
  for (auto& loop : loops_) loop->stop();
  reclaimer_->close();
}

Client::Loop& Client::loop_for(const RequestSpec& spec) {
  if (loops_.size() == 1 || !is_large(spec)) return *loops_[0];
  Loop* best = loops_[0].get();
  for (auto& loop : loops_) {
    if (loop->load() < best->load()) best = loop.get();
  }
  return *best;
}

bool Client::reserve_slot() {
  int now = in_flight_.load();
  while (now < options_.max_in_flight) {
    if (in_flight_.compare_exchange_weak(now, now + 1)) return true;
  }
  return false;
}

void Client::release_slot(const Loop* from) {
  --in_flight_;
  // A loop whose queue waits for a slot sleeps until someone frees one: wake it. (It
  // counted its queue before looking at in_flight_, so this cannot be missed.)
  for (auto& loop : loops_) {
    if (loop.get() != from && loop->has_queued()) loop->wake();
  }
}

std::shared_ptr<Batch> Client::submit(std::vector<std::shared_ptr<const RequestSpec>> specs,
                                      std::shared_ptr<CompletionSignal> signal) {
  // The last reference, wherever it is dropped, hands the batch to a loop to delete.
  std::shared_ptr<Batch> batch(new Batch(specs.size(), std::move(signal)),
                               [reclaimer = reclaimer_](Batch* b) { reclaimer->give(b); });
  // Handing over under the lock keeps close() from stopping the loops meanwhile.
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) throw Error(ErrorKind::InvalidArgument, "the HTTP client is closed");
  if (loops_.size() == 1) {
    loops_[0]->push(Loop::Submission{batch, std::move(specs), {}});
    return batch;
  }
  Loop::Submission small{batch, {}, {}};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (!is_large(*specs[i])) {
      small.specs.push_back(std::move(specs[i]));
      small.indices.push_back(i);
      continue;
    }
    // One at a time: the loads change as we go.
    Loop& loop = loop_for(*specs[i]);
    loop.push(Loop::Submission{batch, {std::move(specs[i])}, {i}});
  }
  if (!small.specs.empty()) loops_[0]->push(std::move(small));
  return batch;
}

void Client::cancel(const std::shared_ptr<Batch>& batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  for (auto& loop : loops_) loop->cancel(batch);
}

Result Client::perform(std::shared_ptr<const RequestSpec> spec) {
  std::vector<std::shared_ptr<const RequestSpec>> one{std::move(spec)};
  auto batch = submit(std::move(one));
  while (!batch->wait_for(std::chrono::milliseconds(1000))) {
  }
  return std::move(batch->results()[0]);
}

Client::DirectSlot Client::take_direct(Transfer* user) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) throw Error(ErrorKind::InvalidArgument, "the HTTP client is closed");
  DirectSlot slot;
  if (!idle_direct_.empty()) {
    slot = idle_direct_.back();
    idle_direct_.pop_back();
  } else {
    slot.multi = curl_multi_init();
    slot.easy = curl_easy_init();
    if (!slot.multi || !slot.easy) {
      if (slot.easy) curl_easy_cleanup(slot.easy);
      if (slot.multi) curl_multi_cleanup(slot.multi);
      throw Error(ErrorKind::Internal, "cannot create a curl handle");
    }
    Transfer::configure(slot.easy, options_);
  }
  active_direct_.emplace_back(user, slot.multi);
  return slot;
}

void Client::give_back_direct(DirectSlot slot, Transfer* user) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = active_direct_.begin(); it != active_direct_.end(); ++it) {
    if (it->first == user) {
      active_direct_.erase(it);
      break;
    }
  }
  if (closed_) {
    curl_easy_cleanup(slot.easy);
    curl_multi_cleanup(slot.multi);
  } else {
    idle_direct_.push_back(slot);
  }
}

Result Client::perform_direct(std::shared_ptr<const RequestSpec> spec,
                              const std::function<bool()>& interrupted) {
  Transfer t(std::move(spec), nullptr, 0);
  DirectSlot slot = take_direct(&t);
  ++in_flight_;
  for (;;) {
    if (!t.prepare(slot.easy, options_)) break;
    bool was_interrupted = false;
    curl_multi_add_handle(slot.multi, slot.easy);
    const CURLcode code = drive_direct(slot, t, interrupted, was_interrupted);
    // Removing an unfinished transfer makes curl close its connection: nothing half-sent
    // is ever reused.
    curl_multi_remove_handle(slot.multi, slot.easy);
    if (was_interrupted || t.cancelled()) {
      t.cancel();
      break;
    }
    t.finish(code);
    const int attempts = t.result().attempts;
    if (!retry_.should_retry(t.spec(), t.result(), attempts)) break;
    if (!wait_direct(retry_.delay_s(t.result(), attempts), t, interrupted)) {
      t.cancel();
      break;
    }
  }
  release_slot(nullptr);
  t.release_easy();
  give_back_direct(slot, &t);
  return std::move(t.result());
}

CURLcode Client::drive_direct(const DirectSlot& slot, Transfer& t,
                              const std::function<bool()>& interrupted, bool& was_interrupted) {
  auto last_check = Clock::now();
  for (;;) {
    int running = 0;
    curl_multi_perform(slot.multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(slot.multi, &left)) {
      if (msg->msg == CURLMSG_DONE) return msg->data.result;
    }
    if (t.cancelled()) return CURLE_ABORTED_BY_CALLBACK;
    const auto now = Clock::now();
    if (interrupted && now - last_check >= std::chrono::milliseconds(50)) {
      last_check = now;
      if (interrupted()) {
        was_interrupted = true;
        return CURLE_ABORTED_BY_CALLBACK;
      }
    }
    curl_multi_poll(slot.multi, nullptr, 0, 50, nullptr);
  }
}

bool Client::wait_direct(double seconds, Transfer& t, const std::function<bool()>& interrupted) {
  const auto until = Clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
  while (Clock::now() < until) {
    if (t.cancelled() || (interrupted && interrupted())) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
  return !t.cancelled();
}

CURL* Client::Loop::take_easy() {
  if (idle_easy_.empty()) {
    CURL* e = curl_easy_init();
    if (e) {
      Transfer::configure(e, c_.options_);
      events_->adopt(e);
    }
    return e;
  }
  CURL* e = idle_easy_.back();
  idle_easy_.pop_back();
  return e;
}

void Client::Loop::run() {
  while (!c_.stopping_) {
    c_.reclaimer_->drain();
    take_submissions();
    apply_cancellations();
    start_ready();
    events_->run_once(wait_ms());
    reap();
  }
  // Shutting down: everything still pending completes as cancelled.
  take_submissions();
  for (auto& t : running_) {
    curl_multi_remove_handle(multi_, t->easy());
    --c_.in_flight_;
    t->cancel();
    give_back_easy(t->release_easy());
  }
  auto drain = [&](auto& list) {
    for (auto& t : list) {
      t->cancel();
      complete(std::move(t));
    }
    list.clear();
  };
  drain(running_);
  while (!pending_.empty()) ready_.push_back(next_pending());
  drain(ready_);
  drain(waiting_);
  queued_ = 0;
}

void Client::Loop::take_submissions() {
  std::vector<Submission> taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    taken.swap(submitted_);
  }
  for (Submission& s : taken) {
    if (!s.specs.empty()) pending_.push_back(std::move(s));
  }
}

std::unique_ptr<Transfer> Client::Loop::next_pending() {
  Submission& s = pending_.front();
  const std::size_t i = pending_next_++;
  auto t = s.build(i);
  if (pending_next_ == s.specs.size()) {
    pending_.pop_front();
    pending_next_ = 0;
  }
  return t;
}

void Client::Loop::apply_cancellations() {
  std::vector<std::shared_ptr<Batch>> requests;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.swap(cancel_requests_);
  }
  if (requests.empty()) return;
  auto doomed = [&](const std::unique_ptr<Transfer>& t) {
    return std::any_of(requests.begin(), requests.end(),
                       [&](const auto& b) { return b.get() == &t->batch(); });
  };
  // Running transfers leave the multi handle now; the others never start.
  for (std::size_t i = 0; i < running_.size();) {
    if (doomed(running_[i])) {
      auto t = std::move(running_[i]);
      running_[i] = std::move(running_.back());
      running_.pop_back();
      curl_multi_remove_handle(multi_, t->easy());
      c_.release_slot(this);
      // Removing an unfinished transfer makes curl close its connection.
      give_back_easy(t->release_easy());
      t->cancel();
      complete(std::move(t));
    } else {
      ++i;
    }
  }
  auto sweep = [&](auto& list) {
    int swept = 0;
    for (auto& t : list) {
      if (t && doomed(t)) {
        t->cancel();
        complete(std::move(t));
        ++swept;
      }
    }
    list.erase(std::remove(list.begin(), list.end(), nullptr), list.end());
    return swept;
  };
  queued_ -= sweep(ready_);
  sweep(waiting_);
  // Requests not started yet: built only to be completed as cancelled.
  std::deque<Submission> kept;
  std::size_t next = 0;
  int swept = 0;
  for (std::size_t k = 0; k < pending_.size(); ++k) {
    Submission& s = pending_[k];
    const std::size_t first = k == 0 ? pending_next_ : 0;
    const bool cancel_it = std::any_of(requests.begin(), requests.end(),
                                       [&](const auto& b) { return b == s.batch; });
    if (!cancel_it) {
      if (kept.empty()) next = first;
      kept.push_back(std::move(s));
      continue;
    }
    for (std::size_t i = first; i < s.specs.size(); ++i) {
      auto t = s.build(i);
      t->cancel();
      complete(std::move(t));
      ++swept;
    }
  }
  pending_.swap(kept);
  pending_next_ = next;
  queued_ -= swept;
}

void Client::Loop::start_ready() {
  if (!waiting_.empty()) {
    const auto now = Clock::now();
    for (auto& t : waiting_) {
      if (t->due <= now) {
        ready_.push_back(std::move(t));
        ++queued_;
      }
    }
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), nullptr), waiting_.end());
  }
  while (has_ready() && c_.reserve_slot()) {
    std::unique_ptr<Transfer> t;
    if (!ready_.empty()) {
      t = std::move(ready_.front());
      ready_.pop_front();
    } else {
      t = next_pending();
    }
    --queued_;
    start(std::move(t));
  }
}

void Client::Loop::start(std::unique_ptr<Transfer> t) {
  CURL* easy = take_easy();
  if (!easy) {
    c_.release_slot(this);
    t->result().failure = TransportFailure{ErrorKind::Internal, "curl_easy_init failed", ""};
    complete(std::move(t));
    return;
  }
  if (!t->prepare(easy, c_.options_)) {
    give_back_easy(t->release_easy());
    c_.release_slot(this);
    complete(std::move(t));
    return;
  }
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    give_back_easy(t->release_easy());
    c_.release_slot(this);
    t->result().failure = TransportFailure{ErrorKind::Internal, "curl_multi_add_handle failed", ""};
    complete(std::move(t));
    return;
  }
  running_.push_back(std::move(t));
}

void Client::Loop::reap() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
    retire(raw, msg->data.result);
  }
}

void Client::Loop::retire(Transfer* raw, CURLcode code) {
  std::unique_ptr<Transfer> t = take(running_, raw);
  if (!t) return;
  curl_multi_remove_handle(multi_, t->easy());
  c_.release_slot(this);
  t->finish(code);
  CURL* easy = t->release_easy();
  // curl itself drops a connection that failed, so the handle can be reused.
  give_back_easy(easy);
  const int attempts = t->result().attempts;
  if (!c_.stopping_ && c_.retry_.should_retry(t->spec(), t->result(), attempts)) {
    const double delay = c_.retry_.delay_s(t->result(), attempts);
    t->due = Clock::now() + std::chrono::microseconds(static_cast<long long>(delay * 1e6));
    waiting_.push_back(std::move(t));
    return;
  }
  complete(std::move(t));
}

void Client::Loop::complete(std::unique_ptr<Transfer> t) {
  Batch& batch = t->batch();
  const std::size_t index = t->index();
  Result result = std::move(t->result());
  // Release the transfer (files, spec) before the waiter can return.
  std::shared_ptr<Batch> keep = t->batch_ptr();
  t.reset();
  --load_;
  batch.complete(index, std::move(result));
}

long Client::Loop::wait_ms() const {
  // curl's own timer is handled by the event loop; this covers our queues.
  if (has_ready() && c_.in_flight_ < c_.options_.max_in_flight) return 0;
  long timeout = 1000;
  const auto now = Clock::now();
  for (const auto& t : waiting_) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->due - now).count();
    timeout = std::min<long>(timeout, std::max<long>(0, ms));
  }
  return timeout;
}

}  // namespace storewire::http
