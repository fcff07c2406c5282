// SPDX-License-Identifier: LGPL-2.1-or-later
#include "codec/annexb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>

#include "codec/bit_reader.h"

namespace camrec::codec {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(NalView v) { return Bytes(v.begin(), v.end()); }

TEST(FindStartCode, FindsThreeByteCodesOnly) {
  Bytes d = {0x65, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x41};
  auto p = find_start_code(d, 0);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 6u);
  EXPECT_FALSE(find_start_code(d, 5));  // the zeros must lie inside the searched range
  EXPECT_FALSE(find_start_code(Bytes{0x00, 0x01}, 0));
  EXPECT_FALSE(find_start_code(Bytes{}, 0));
  EXPECT_FALSE(find_start_code(d, 100));
}

TEST(FindStartCode, NeedsBothZerosBeforeTheOne) {
  Bytes d = {0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
  auto p = find_start_code(d, 0);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 6u);
}

// The scanner works on blocks of 16 positions: every offset of a start code inside and across
// a block, every search start and every buffer length up to a few blocks must give what a
// byte-by-byte search gives, on data dense with 00 and 01 bytes (near misses everywhere).
TEST(FindStartCode, MatchesAByteByByteSearchAtEveryAlignment) {
  auto reference = [](const Bytes& d, size_t from) -> std::optional<size_t> {
    for (size_t i = from; i + 2 < d.size(); ++i)
      if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) return i + 2;
    return std::nullopt;
  };
  uint32_t seed = 12345;
  auto random_byte = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    uint32_t r = seed >> 24;
    return static_cast<uint8_t>(r < 96 ? 0 : r < 128 ? 1 : r);  // mostly 00 and 01
  };
  size_t found = 0;
  for (size_t size = 0; size <= 200; ++size) {
    for (int trial = 0; trial < 12; ++trial) {
      Bytes d(size);
      for (auto& b : d) b = random_byte();
      for (size_t from = 0; from <= size + 1; ++from) {
        auto want = reference(d, from);
        found += want.has_value();
        ASSERT_EQ(find_start_code(d, from), want) << "size " << size << " from " << from;
      }
    }
  }
  EXPECT_GT(found, 10000u);  // the data did hold start codes
  // One start code at each place in 200 bytes of non-zero filler, searched from 0 and from
  // just after its first zero.
  for (size_t at = 0; at + 3 <= 200; ++at) {
    Bytes d(200, 0x5A);
    d[at] = 0;
    d[at + 1] = 0;
    d[at + 2] = 1;
    ASSERT_EQ(find_start_code(d, 0), std::optional<size_t>(at + 2)) << "at " << at;
    ASSERT_EQ(find_start_code(d, at + 1), std::nullopt) << "at " << at;
  }
}

TEST(SplitAnnexB, ThreeAndFourByteStartCodesAndTrailingZeros) {
  Bytes d = {0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x00,  // SPS + trailing_zero_8bits
             0x00, 0x00, 0x01, 0x68, 0xCE,                    // PPS, 3-byte code
             0x00, 0x00, 0x00, 0x01, 0x65, 0x88, 0x00, 0x00, 0x03, 0x00, 0x00};
  auto nals = split_annexb(d);
  ASSERT_TRUE(nals) << nals.error().to_string();
  ASSERT_EQ(nals->size(), 3u);
  EXPECT_EQ(bytes_of((*nals)[0]), (Bytes{0x67, 0x42}));
  EXPECT_EQ(bytes_of((*nals)[1]), (Bytes{0x68, 0xCE}));
  EXPECT_EQ(bytes_of((*nals)[2]), (Bytes{0x65, 0x88, 0x00, 0x00, 0x03}));
}

TEST(SplitAnnexB, LeadingZerosTolerated) {
  Bytes d = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0xF0};
  auto nals = split_annexb(d);
  ASSERT_TRUE(nals);
  ASSERT_EQ(nals->size(), 1u);
  EXPECT_EQ(bytes_of((*nals)[0]), (Bytes{0x09, 0xF0}));
}

TEST(SplitAnnexB, Errors) {
  auto none = split_annexb(Bytes{0x65, 0x88, 0x84});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Errc::malformed);
  EXPECT_NE(none.error().message().find("no Annex B start code"), std::string::npos);

  auto garbage = split_annexb(Bytes{0x12, 0x00, 0x00, 0x01, 0x65, 0x88});
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message().find("before the first start code"), std::string::npos);

  auto empty_nal = split_annexb(Bytes{0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x65, 0x88});
  ASSERT_FALSE(empty_nal);
  EXPECT_NE(empty_nal.error().message().find("empty NAL unit"), std::string::npos);

  auto empty_last = split_annexb(Bytes{0x00, 0x00, 0x01, 0x65, 0x88, 0x00, 0x00, 0x01});
  ASSERT_FALSE(empty_last);
  EXPECT_NE(empty_last.error().message().find("empty NAL unit"), std::string::npos);

  EXPECT_FALSE(split_annexb(Bytes{}));
}

TEST(LooksLikeAnnexB, StartCodesVersusLengthPrefixes) {
  EXPECT_TRUE(looks_like_annexb(Bytes{0x00, 0x00, 0x00, 0x01, 0x65, 0x88}));
  EXPECT_TRUE(looks_like_annexb(Bytes{0x00, 0x00, 0x01, 0x65, 0x88}));
  EXPECT_TRUE(looks_like_annexb(Bytes{0x00, 0x00, 0x00, 0x00, 0x01, 0x65}));
  EXPECT_FALSE(looks_like_annexb(Bytes{0x00, 0x00, 0x00, 0x02, 0x65, 0x88}));
  EXPECT_FALSE(looks_like_annexb(Bytes{}));
  EXPECT_FALSE(looks_like_annexb(Bytes{0x00, 0x00}));
  EXPECT_FALSE(looks_like_annexb(Bytes{0x00, 0x00, 0x00, 0x00}));

  // A length-prefixed sample whose first length is 256..511 starts with 00 00 01; it reads
  // as Annex B unless the lengths frame it exactly.
  Bytes sample = {0x00, 0x00, 0x01, 0x02};  // length 258
  sample.push_back(0x65);
  sample.resize(4 + 258, 0x11);
  EXPECT_FALSE(looks_like_annexb(sample));
  sample.push_back(0x22);  // one stray byte: the lengths no longer fit, so it is Annex B
  EXPECT_TRUE(looks_like_annexb(sample));
  // An Annex B unit with a 3-byte start code whose would-be length does not fit.
  EXPECT_TRUE(looks_like_annexb(Bytes{0x00, 0x00, 0x01, 0x65, 0x88, 0x84, 0x00}));
}

TEST(LengthPrefixed, RoundTrip) {
  Bytes a = {0x67, 0x42, 0x00}, b = {0x65, 0x88};
  std::vector<NalView> nals = {a, b};
  EXPECT_EQ(length_prefixed_size(nals), 4u + 3 + 4 + 2);
  Bytes sample = to_length_prefixed(nals);
  EXPECT_EQ(sample, (Bytes{0, 0, 0, 3, 0x67, 0x42, 0x00, 0, 0, 0, 2, 0x65, 0x88}));
  std::vector<NalView> back;
  ASSERT_TRUE(split_length_prefixed(sample, back).is_ok());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(bytes_of(back[0]), a);
  EXPECT_EQ(bytes_of(back[1]), b);
}

TEST(LengthPrefixed, OtherLengthSizes) {
  Bytes s1 = {2, 0x65, 0x88, 1, 0x09};
  std::vector<NalView> out;
  ASSERT_TRUE(split_length_prefixed(s1, out, 1).is_ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].size(), 1u);
  Bytes s2 = {0, 2, 0x65, 0x88};
  ASSERT_TRUE(split_length_prefixed(s2, out, 2).is_ok());
  ASSERT_EQ(out.size(), 1u);
  Status bad = split_length_prefixed(s2, out, 3);
  EXPECT_EQ(bad.code(), Errc::invalid_argument);
}

TEST(LengthPrefixed, BoundedErrors) {
  std::vector<NalView> out;
  Status past_end = split_length_prefixed(Bytes{0, 0, 0, 5, 0x65, 0x88}, out);
  EXPECT_EQ(past_end.code(), Errc::malformed);
  EXPECT_NE(past_end.message().find("passes the end"), std::string::npos);

  Status zero = split_length_prefixed(Bytes{0, 0, 0, 0, 0, 0, 0, 1, 0x65}, out);
  EXPECT_EQ(zero.code(), Errc::malformed);
  EXPECT_NE(zero.message().find("zero-length"), std::string::npos);

  Status truncated_len = split_length_prefixed(Bytes{0, 0, 0, 1, 0x65, 0, 0}, out);
  EXPECT_EQ(truncated_len.code(), Errc::malformed);
  EXPECT_NE(truncated_len.message().find("truncated NAL length"), std::string::npos);

  // Huge lengths must not wrap around.
  Status huge = split_length_prefixed(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x65}, out);
  EXPECT_EQ(huge.code(), Errc::malformed);

  // The reader is sticky after an error.
  Bytes bad = {0, 0, 0, 9, 0x65};
  LengthPrefixedReader reader(bad);
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.next());
}

TEST(Rbsp, EmulationPreventionRoundTrip) {
  // The RBSP ends in a cabac_zero_word, so the EBSP ends in 00 00 03 (7.4.1).
  Bytes ebsp = {0x65, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03};
  Bytes rbsp = ebsp_to_rbsp(ebsp);
  EXPECT_EQ(rbsp, (Bytes{0x65, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(rbsp_to_ebsp(rbsp), ebsp);
  // 00 00 03 03 keeps the second 03 (only the first is an emulation prevention byte).
  EXPECT_EQ(ebsp_to_rbsp(Bytes{0x00, 0x00, 0x03, 0x03}), (Bytes{0x00, 0x00, 0x03}));
  Bytes limited;
  ebsp_to_rbsp(ebsp, limited, 4);
  EXPECT_EQ(limited, (Bytes{0x65, 0x00, 0x00, 0x01}));
  // A single trailing zero is not a cabac_zero_word: no 03 is appended.
  EXPECT_EQ(rbsp_to_ebsp(Bytes{0x80, 0x00}), (Bytes{0x80, 0x00}));
  // rbsp_to_ebsp never leaves a start code in the payload.
  Bytes tricky = {0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02};
  Bytes escaped = rbsp_to_ebsp(tricky);
  EXPECT_FALSE(find_start_code(escaped, 0));
  EXPECT_EQ(ebsp_to_rbsp(escaped), tricky);
}

TEST(Rbsp, WholeCopiesMatchByteByByteUnescaping) {
  // Bytes before the first emulation prevention byte are copied whole: random EBSPs rich in
  // zeros and 03s, with output limits, against the byte-by-byte rule of 7.4.1.
  std::mt19937 rng(15);
  for (int round = 0; round < 20000; ++round) {
    Bytes ebsp(rng() % 40);
    for (auto& b : ebsp) b = static_cast<uint8_t>(rng() % 3 ? rng() % 4 : rng());
    const size_t max = rng() % 2 ? SIZE_MAX : rng() % 48;
    Bytes expected;
    int zeros = 0;
    for (uint8_t b : ebsp) {
      if (expected.size() >= max) break;
      if (zeros >= 2 && b == 0x03) {
        zeros = 0;
        continue;
      }
      expected.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    Bytes got;
    ebsp_to_rbsp(ebsp, got, max);
    ASSERT_EQ(got, expected) << "round " << round;
    uint8_t fixed[48];
    const size_t room = std::min<size_t>(max, sizeof fixed);
    const size_t n = ebsp_to_rbsp(ebsp, std::span<uint8_t>(fixed, room));
    ASSERT_EQ(Bytes(fixed, fixed + n), Bytes(expected.begin(), expected.begin() + std::min(room, expected.size())))
        << "round " << round;
  }
}

TEST(BitReader, FixedAndExpGolomb) {
  // 101 | 1 (ue 0) | 010 (ue 1) | 011 (ue 2) | 00100 (ue 3) | 00101 (se -2) | 1 ...
  Bytes d = {0b10110100, 0b11001000, 0b01011000};
  BitReader br(d);
  EXPECT_EQ(br.u(3), 5u);
  EXPECT_EQ(br.ue(), 0u);
  EXPECT_EQ(br.ue(), 1u);
  EXPECT_EQ(br.ue(), 2u);
  EXPECT_EQ(br.ue(), 3u);
  EXPECT_EQ(br.se(), -2);
  EXPECT_TRUE(br.flag());
  EXPECT_TRUE(br.ok());
  EXPECT_EQ(br.bit_position(), 21u);
}

TEST(BitReader, SignedValues) {
  // se: k=1 -> 1, k=2 -> -1, k=3 -> 2, k=4 -> -2
  Bytes d = {0b01001100, 0b10000101, 0b00000000};
  BitReader br(d);
  EXPECT_EQ(br.se(), 1);
  EXPECT_EQ(br.se(), -1);
  EXPECT_EQ(br.se(), 2);
  EXPECT_EQ(br.se(), -2);
  EXPECT_TRUE(br.ok());
}

TEST(BitReader, ThirtyTwoBitFields) {
  Bytes d = {0xDE, 0xAD, 0xBE, 0xEF, 0x80};
  BitReader br(d);
  br.u(1);
  EXPECT_EQ(br.u(32), 0xBD5B7DDFu);
  EXPECT_TRUE(br.ok());
}

TEST(BitReader, StickyErrorsAndBounds) {
  Bytes d = {0xFF};
  BitReader br(d);
  EXPECT_EQ(br.u(4), 15u);
  EXPECT_EQ(br.u(8), 0u);  // past the end
  EXPECT_TRUE(br.failed());
  EXPECT_EQ(br.status().code(), Errc::malformed);
  EXPECT_EQ(br.u(1), 0u);  // sticky: even though bits remain
  EXPECT_EQ(br.ue(), 0u);

  Bytes zeros(8, 0);
  BitReader long_code(zeros);
  long_code.ue();
  EXPECT_TRUE(long_code.failed());  // 64 leading zeros: longer than 32 bits

  Bytes ends = {0x00, 0x01};  // 15 zeros, then the marker, then nothing
  BitReader cut(ends);
  cut.ue();
  EXPECT_TRUE(cut.failed());

  Bytes three = {0b00100000};  // ue = 3
  BitReader range(three);
  range.ue_max(2, "test_value");
  EXPECT_TRUE(range.failed());
  EXPECT_NE(range.status().message().find("test_value"), std::string::npos);

  BitReader bad_n(d);
  bad_n.u(33);
  EXPECT_EQ(bad_n.status().code(), Errc::invalid_argument);
}

/// A bit-by-bit reading of u(n) and ue(v) (9.1), with the reader's error rules: what the
/// reader's whole-word path must match.
struct ReferenceBits {
  const Bytes& d;
  uint64_t pos = 0;
  bool failed = false;
  int bit() { return (d[pos >> 3] >> (7 - (pos & 7))) & 1; }
  uint32_t u(int n) {
    if (failed || n == 0) return 0;
    if (static_cast<uint64_t>(n) > d.size() * 8 - pos) return failed = true, 0;
    uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++pos) v = (v << 1) | static_cast<uint32_t>(bit());
    return v;
  }
  uint32_t ue() {
    int zeros = 0;
    while (true) {
      if (failed || pos == d.size() * 8) return failed = true, 0;
      if (u(1)) break;
      if (++zeros > 32) return failed = true, 0;
    }
    if (zeros == 32) return failed = true, 0;
    uint64_t v = (uint64_t{1} << zeros) - 1 + u(zeros);  // a code cut short: 2^zeros - 1, failed
    if (v > 0xFFFFFFFEu) return failed = true, 0;
    return static_cast<uint32_t>(v);
  }
};

TEST(BitReader, WholeWordReadsMatchBitByBitReads) {
  // Reads with 8 bytes ahead take one 64-bit load; the last bytes are read bit by bit. Both
  // must give the same values, positions and errors, for long and short codes (runs of
  // zero bytes make the Exp-Golomb codes long, up to past 32 leading zeros).
  std::mt19937 rng(15);
  for (int round = 0; round < 20000; ++round) {
    Bytes d(1 + rng() % 24);
    const unsigned zero_chance = rng() % 4;  // 0..3 in 4: how often a byte is zero
    for (size_t i = 0; i < d.size(); ++i) {
      d[i] = rng() % 4 < zero_chance ? 0 : static_cast<uint8_t>(rng());
      if (rng() % 8 == 0)  // a run of up to 5 zero bytes: 24 to 47 leading zero bits
        for (unsigned run = 3 + rng() % 3; run > 0 && i + 1 < d.size(); --run) d[++i] = 0;
    }
    BitReader br(d);
    ReferenceBits ref{d};
    for (int op = 0; op < 40 && !ref.failed; ++op) {
      if (rng() % 2) {
        const int n = static_cast<int>(rng() % 33);
        ASSERT_EQ(br.u(n), ref.u(n)) << "round " << round << " op " << op << " u(" << n << ")";
      } else {
        ASSERT_EQ(br.ue(), ref.ue()) << "round " << round << " op " << op << " ue";
      }
      ASSERT_EQ(br.failed(), ref.failed) << "round " << round << " op " << op;
      if (!ref.failed) ASSERT_EQ(br.bit_position(), ref.pos) << "round " << round << " op " << op;
    }
  }
}

TEST(BitReader, MoreRbspData) {
  Bytes d = {0b10100000};  // one syntax bit "1", then "0", stop bit at position 2
  BitReader br(d);
  EXPECT_TRUE(br.more_rbsp_data());
  br.u(1);
  EXPECT_TRUE(br.more_rbsp_data());
  br.u(1);
  EXPECT_FALSE(br.more_rbsp_data());
  Bytes trailing = {0x80, 0x00, 0x00};  // stop bit then cabac_zero_words
  BitReader t(trailing);
  EXPECT_FALSE(t.more_rbsp_data());
}

}  // namespace
}  // namespace camrec::codec
