// SPDX-License-Identifier: LGPL-2.1-or-later
#include "io/mapped_file.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>

namespace camrec::io {

namespace {

// The mappings the handler guards. A fixed table of lock-free atomics: the handler may run
// at any instruction of any thread, so it can neither lock nor allocate.
constexpr int kSlots = 16;
struct Slot {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> faulted{false};
};
Slot g_slots[kSlots];

std::mutex g_install_mutex;  // guards g_in_use and g_previous, outside the handler
int g_in_use = 0;
struct sigaction g_previous = {};

// Hands a signal that is not ours to the action that was in place before ours.
void pass_on(int sig, siginfo_t* info, void* context) {
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) {
      g_previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // The default action (the process dies, with a core): reset it and raise the signal
  // again; it is delivered when this handler returns (a fault would also repeat).
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    const uintptr_t begin = s.begin.load(std::memory_order_acquire);
    const uintptr_t end = s.end.load(std::memory_order_acquire);
    if (begin == 0 || at < begin || at >= end) continue;
    // Zero pages from the faulting one to the end of the mapping: the access that faulted
    // completes (it reads zeros) and later ones do not fault again. mmap is a plain system
    // call, safe in a handler; the owner learns of the fault from `faulted`.
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t from = at / page * page;
    void* m = ::mmap(reinterpret_cast<void*>(from), end - from, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                     -1, 0);
    if (m == MAP_FAILED) break;
    s.faulted.store(true, std::memory_order_release);
    return;
  }
  pass_on(sig, info, context);
}

}  // namespace

std::unique_ptr<MappedFile> MappedFile::map(int fd, size_t size) {
  if (size == 0) return nullptr;
  void* m = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return nullptr;
  std::lock_guard lock(g_install_mutex);
  int slot = -1;
  for (int i = 0; i < kSlots && slot < 0; ++i)
    if (g_slots[i].begin.load(std::memory_order_relaxed) == 0) slot = i;
  if (slot < 0) {
    ::munmap(m, size);
    return nullptr;
  }
  if (g_in_use == 0) {
    // Installed only while a mapping is guarded, so a program using the library keeps its
    // own SIGBUS action otherwise (and gets it for faults that are not ours).
    struct sigaction sa = {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(SIGBUS, &sa, &g_previous) != 0) {
      ::munmap(m, size);
      return nullptr;
    }
  }
  ++g_in_use;
  Slot& s = g_slots[slot];
  s.faulted.store(false, std::memory_order_relaxed);
  s.end.store(reinterpret_cast<uintptr_t>(m) + size, std::memory_order_release);
  s.begin.store(reinterpret_cast<uintptr_t>(m), std::memory_order_release);
  return std::unique_ptr<MappedFile>(new MappedFile(fd, static_cast<const uint8_t*>(m), size, slot));
}

MappedFile::~MappedFile() {
  std::lock_guard lock(g_install_mutex);
  Slot& s = g_slots[slot_];
  s.begin.store(0, std::memory_order_release);
  s.end.store(0, std::memory_order_release);
  ::munmap(const_cast<uint8_t*>(data_), size_);
  if (--g_in_use == 0) ::sigaction(SIGBUS, &g_previous, nullptr);
}

bool MappedFile::faulted() const { return g_slots[slot_].faulted.load(std::memory_order_acquire); }

Status MappedFile::check() const {
  struct stat st = {};
  const bool faulted = g_slots[slot_].faulted.load(std::memory_order_acquire);
  const bool stat_ok = ::fstat(fd_, &st) == 0;
  if (!faulted && (!stat_ok || static_cast<uint64_t>(st.st_size) >= size_)) return Status::ok();
  std::string now = stat_ok ? std::to_string(st.st_size) + " bytes" : "fewer bytes";
  return Status(Errc::malformed, "the input shrank from " + std::to_string(size_) + " to " + now +
                                     " while being read (another program truncated it)");
}

}  // namespace camrec::io
