// SPDX-License-Identifier: LGPL-2.1-or-later
// bench_measure CMD ARGS...: runs the command and prints one line
//   wall_s=.. cpu_s=.. max_rss_kb=.. write_bytes=.. read_bytes=.. exit=..
// write_bytes is what the process handed to write(2)/pwrite(2) (the "wchar" of
// /proc/PID/io), read just after the process exits and before it is reaped.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_measure COMMAND [ARGS...]\n");
    return 64;
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    std::perror("execvp");
    _exit(127);
  }
  siginfo_t info{};
  waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  unsigned long long wchar = 0, rchar = 0;
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  unsigned long long value;
  while (io >> key >> value) {
    if (key == "wchar:") wchar = value;
    if (key == "rchar:") rchar = value;
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("wall_s=%.3f cpu_s=%.3f max_rss_kb=%ld write_bytes=%llu read_bytes=%llu exit=%d\n", wall, cpu,
              ru.ru_maxrss, wchar, rchar, code);
  return code;
}
