// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's input checks, one by one: listen addresses, Range headers, %-escapes, which
// names of the recordings directory may be opened, and the Host names a loopback server answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "server/recordings.h"
#include "server/routes.h"
#include "server/server.h"
#include "testing/test_util.h"

namespace camrec::server {
namespace {

TEST(ParseListen, PortAloneMeansLoopback) {
  std::string address;
  uint16_t port = 0;
  ASSERT_TRUE(parse_listen("8080", address, port).is_ok());
  EXPECT_EQ(address, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(parse_listen("0.0.0.0:9000", address, port).is_ok());
  EXPECT_EQ(address, "0.0.0.0");
  EXPECT_EQ(port, 9000);
  ASSERT_TRUE(parse_listen("[::1]:0", address, port).is_ok());
  EXPECT_EQ(address, "::1");
  EXPECT_EQ(port, 0);
  for (const char* bad : {"", "http", "70000", "-1", "80x", ":80", "[::1]", "1.2.3.4:", "123456"}) {
    Status s = parse_listen(bad, address, port);
    EXPECT_EQ(s.code(), Errc::invalid_argument) << bad;
    EXPECT_NE(s.message().find("[ADDRESS:]PORT"), std::string::npos) << s.message();
  }
}

TEST(ParseRange, OneRangeOrTheWholeFile) {
  ByteRange r;
  EXPECT_EQ(parse_range("bytes=0-99", 1000, r), RangeResult::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(parse_range("bytes=900-", 1000, r), RangeResult::partial);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_range("bytes=-100", 1000, r), RangeResult::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(parse_range("bytes=-5000", 1000, r), RangeResult::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(parse_range("bytes=990-2000", 1000, r), RangeResult::partial);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_range("bytes=1000-", 1000, r), RangeResult::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000, r), RangeResult::unsatisfiable);
  for (const char* whole : {"", "bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=-", "bytes=1"})
    EXPECT_EQ(parse_range(whole, 1000, r), RangeResult::whole) << whole;
}

TEST(PercentDecode, RefusesNulAndBrokenEscapes) {
  EXPECT_EQ(*percent_decode("/recordings/%2e%2e/x"), "/recordings/../x");
  EXPECT_EQ(*percent_decode("a%20b"), "a b");
  EXPECT_FALSE(percent_decode("a%00b"));
  EXPECT_FALSE(percent_decode("a%zzb"));
  EXPECT_FALSE(percent_decode("a%2"));
  EXPECT_FALSE(percent_decode("%"));
}

TEST(RecordingsDir, OpensOnlyRegularFilesInside) {
  camrec::testing::TempDir dir;
  std::filesystem::create_directory(dir.path() / "rec");
  ASSERT_TRUE(camrec::testing::write_file(dir.file("rec/a.mp4"), {1, 2, 3}));
  ASSERT_TRUE(camrec::testing::write_file(dir.file("secret.mp4"), {9}));
  std::filesystem::create_symlink(dir.path() / "secret.mp4", dir.path() / "rec" / "link.mp4");
  std::filesystem::create_symlink("a.mp4", dir.path() / "rec" / "inner-link.mp4");
  std::filesystem::create_directory(dir.path() / "rec" / "sub.mp4");
  auto rec = RecordingsDir::open(dir.file("rec"));
  ASSERT_TRUE(rec);
  auto a = (*rec)->open_file("a.mp4");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)->size(), 3u);
  for (const char* refused : {"../secret.mp4", "..", ".", "", "link.mp4", "inner-link.mp4", "sub.mp4", ".hidden",
                              "rec/a.mp4", "/etc/passwd", "missing.mp4"}) {
    auto f = (*rec)->open_file(refused);
    ASSERT_FALSE(f) << refused;
    EXPECT_EQ(f.error().code(), Errc::not_found) << refused;
  }
  EXPECT_FALSE((*rec)->open_file(std::string("a.mp4\0x", 7)));
  auto list = (*rec)->list(nullptr);
  ASSERT_EQ(list.size(), 1u) << "symlinks and folders are not listed";
  EXPECT_EQ(list[0].name, "a.mp4");
  EXPECT_EQ(list[0].state, "incomplete") << "3 bytes are no MP4";

  auto missing = RecordingsDir::open(dir.file("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::not_found);
}

/// The status a Router listening on `address` gives a GET /status with these Host headers.
unsigned host_status(const std::string& address, std::vector<std::string> hosts) {
  camrec::testing::TempDir dir;
  auto rec = RecordingsDir::open(dir.path().string());
  EXPECT_TRUE(rec);
  ServerOptions options;
  options.address = address;
  Server::StatusProvider status;
  Counters counters;
  Router router(options, nullptr, **rec, status, counters);
  Request request{"GET", "/status", "", "", hosts.empty() ? "" : hosts.front(), hosts.size()};
  return router.handle(request).status;
}

TEST(HostCheck, LoopbackServerAnswersOnlyItsOwnNames) {
  for (const char* good : {"127.0.0.1", "127.0.0.1:8080", "localhost", "localhost:1", "LocalHost:8080", "[::1]",
                           "[::1]:8080"})
    EXPECT_EQ(host_status("127.0.0.1", {good}), 200u) << good;
  // DNS rebinding: the attacker's own name, resolved to 127.0.0.1, arrives in Host.
  for (const char* bad : {"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example",
                          "127.0.0.2", "[::2]:8080", "::1", "localhost:", "localhost:8o80", "localhost:123456",
                          "localhost:8080:1", "", "127.0.0.1@evil.example", "[::1]evil"})
    EXPECT_EQ(host_status("127.0.0.1", {bad}), 421u) << bad;
  EXPECT_EQ(host_status("127.0.0.1", {"127.0.0.1", "evil.example"}), 400u) << "two Host headers";
  EXPECT_EQ(host_status("127.0.0.1", {}), 200u) << "HTTP/1.0 without Host";
  // Another loopback address answers its own name too; ::1 in brackets.
  EXPECT_EQ(host_status("127.0.0.2", {"127.0.0.2:80"}), 200u);
  EXPECT_EQ(host_status("127.0.0.2", {"evil.example"}), 421u);
  EXPECT_EQ(host_status("::1", {"[::1]:80"}), 200u);
  EXPECT_EQ(host_status("::1", {"evil.example"}), 421u);
}

TEST(HostCheck, ServerOnOtherAddressesAnswersAnyName) {
  // Listening beyond loopback is the user's choice to be reached by other names (a LAN
  // address, a DNS name); the token is the protection there.
  EXPECT_EQ(host_status("0.0.0.0", {"camera.lan:8080"}), 200u);
  EXPECT_EQ(host_status("192.0.2.7", {"evil.example"}), 200u);
  EXPECT_EQ(host_status("::", {"camera.lan"}), 200u);
}

}  // namespace
}  // namespace camrec::server
