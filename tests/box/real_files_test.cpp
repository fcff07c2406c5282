// SPDX-License-Identifier: LGPL-2.1-or-later
// Lossless round trip of real files: files written by ffmpeg and GStreamer at test time are
// walked box by box; every moov/moof/mfra/sidx/ftyp/free is parsed into the structs and
// serialized again, and the bytes must equal the original ones, the whole file rebuilt too.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "box_samples.h"
#include "io/source.h"
#include "testing/test_util.h"

namespace camrec::box {
namespace {

namespace fs = std::filesystem;
namespace tu = ::camrec::testing;
using testing::json_is_balanced;

class RealFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = std::make_unique<tu::TempDir>(); }
  static void TearDownTestSuite() { dir_.reset(); }

  // Makes `name` in the temp dir with ffmpeg; `args` go between the inputs and the output.
  std::string ffmpeg(const std::string& name, const std::string& inputs, const std::string& args) {
    if (!tu::have_tool("ffmpeg")) {
      skip_ = "ffmpeg not installed";
      return "";
    }
    std::string path = dir_->file(name);
    tu::CommandResult r = tu::run_command("ffmpeg -nostdin -v error -y " + inputs + " " + args + " " + tu::shell_quote(path));
    EXPECT_EQ(r.exit_code, 0) << "ffmpeg failed making " << name << ": " << r.err;
    return r.exit_code == 0 ? path : "";
  }

  static std::string video(int seconds) {
    return "-f lavfi -i testsrc=size=320x240:rate=25:duration=" + std::to_string(seconds);
  }
  static std::string audio(int seconds, int rate) {
    return "-f lavfi -i sine=frequency=440:duration=" + std::to_string(seconds) + ":sample_rate=" + std::to_string(rate);
  }

  struct Parsed {
    std::vector<MovieBox> moovs;
    std::vector<std::pair<uint64_t, MovieFragmentBox>> moofs;  ///< With their file offsets.
    std::vector<std::pair<uint64_t, uint64_t>> mdats;           ///< Offset and size.
    std::vector<MovieFragmentRandomAccessBox> mfras;
    std::vector<SegmentIndexBox> sidxs;
    std::vector<uint8_t> file;
  };

  template <class T>
  static void round_trip_box(const std::vector<uint8_t>& file, const BoxHeader& h, std::vector<uint8_t>& rebuilt,
                             T* out) {
    std::span<const uint8_t> original(file.data() + h.offset, h.size);
    auto parsed = parse_box<T>(original, h.offset);
    ASSERT_TRUE(parsed.has_value()) << fourcc_string(h.type) << " at " << h.offset << ": " << parsed.error().to_string();
    std::vector<uint8_t> bytes = serialize_box(*parsed);
    EXPECT_EQ(bytes.size(), box_size(*parsed));
    if (bytes != std::vector<uint8_t>(original.begin(), original.end())) {
      size_t first = 0;
      while (first < bytes.size() && first < original.size() && bytes[first] == original[first]) ++first;
      ADD_FAILURE() << "'" << fourcc_string(h.type) << "' at " << h.offset << " (" << h.size
                    << " bytes) is not written back identically: first difference at byte " << first
                    << " of the box, rewritten size " << bytes.size();
    }
    std::string json = inspect_box(*parsed, h.offset);
    EXPECT_TRUE(json_is_balanced(json)) << fourcc_string(h.type);
    rebuilt.insert(rebuilt.end(), bytes.begin(), bytes.end());
    if (out) *out = std::move(*parsed);
  }

  // Walks, parses and rewrites every box of `path`; the rebuilt file must equal the original.
  static Parsed round_trip_file(const std::string& path) {
    Parsed p;
    auto source = io::FileSource::open(path);
    EXPECT_TRUE(source.has_value()) << path;
    if (!source.has_value()) return p;
    auto whole = (*source)->read_vector(0, (*source)->size());
    EXPECT_TRUE(whole.has_value());
    if (!whole.has_value()) return p;
    p.file = std::move(*whole);
    auto scan = scan_top_level_boxes(**source);
    EXPECT_TRUE(scan.has_value());
    if (!scan.has_value()) return p;
    EXPECT_TRUE(scan->complete()) << path << ": " << scan->stop.to_string();
    std::vector<uint8_t> rebuilt;
    for (const BoxHeader& h : scan->boxes) {
      SCOPED_TRACE(fourcc_string(h.type) + " at " + std::to_string(h.offset));
      switch (h.type) {
        case fourcc("ftyp"): round_trip_box<FileTypeBox>(p.file, h, rebuilt, nullptr); break;
        case fourcc("styp"): round_trip_box<SegmentTypeBox>(p.file, h, rebuilt, nullptr); break;
        case fourcc("free"):
        case fourcc("skip"): round_trip_box<FreeSpaceBox>(p.file, h, rebuilt, nullptr); break;
        case fourcc("moov"): round_trip_box(p.file, h, rebuilt, &p.moovs.emplace_back()); break;
        case fourcc("moof"): {
          p.moofs.emplace_back(h.offset, MovieFragmentBox{});
          round_trip_box(p.file, h, rebuilt, &p.moofs.back().second);
          break;
        }
        case fourcc("mfra"): round_trip_box(p.file, h, rebuilt, &p.mfras.emplace_back()); break;
        case fourcc("sidx"): round_trip_box(p.file, h, rebuilt, &p.sidxs.emplace_back()); break;
        default:
          if (h.type == fourcc("mdat")) p.mdats.emplace_back(h.offset, h.size);
          rebuilt.insert(rebuilt.end(), p.file.begin() + static_cast<ptrdiff_t>(h.offset),
                         p.file.begin() + static_cast<ptrdiff_t>(h.offset + h.size));
      }
    }
    EXPECT_EQ(rebuilt.size(), p.file.size());
    EXPECT_TRUE(rebuilt == p.file) << path << " is not rebuilt byte for byte";
    return p;
  }

  // Checks a fragmented file: every trun's data lands inside the mdat after its moof.
  static void expect_fragments_point_into_mdat(const Parsed& p) {
    ASSERT_FALSE(p.moofs.empty());
    for (const auto& [moof_offset, moof] : p.moofs) {
      const std::pair<uint64_t, uint64_t>* mdat = nullptr;
      for (const auto& m : p.mdats)
        if (m.first > moof_offset && (!mdat || m.first < mdat->first)) mdat = &m;
      ASSERT_NE(mdat, nullptr);
      ASSERT_FALSE(moof.trafs.empty());
      for (const auto& traf : moof.trafs) {
        ASSERT_TRUE(traf.tfdt.has_value());
        for (const auto& trun : traf.truns) {
          ASSERT_TRUE(trun.flags & TrackRunBox::kDataOffsetPresent);
          uint64_t base = (traf.tfhd.flags & TrackFragmentHeaderBox::kDefaultBaseIsMoof) ? moof_offset
                                                                                         : traf.tfhd.base_data_offset;
          uint64_t start = base + static_cast<uint64_t>(trun.data_offset);
          uint64_t bytes = 0;
          for (const auto& e : trun.entries)
            bytes += (trun.flags & TrackRunBox::kSampleSizePresent) ? e.sample_size : traf.tfhd.default_sample_size;
          EXPECT_GE(start, mdat->first + 8);
          EXPECT_LE(start + bytes, mdat->first + mdat->second);
        }
      }
    }
  }

  static inline std::unique_ptr<tu::TempDir> dir_;
  std::string skip_;
};

#define SKIP_IF_NO_TOOL()                     \
  do {                                        \
    if (!skip_.empty()) GTEST_SKIP() << skip_; \
  } while (0)

TEST_F(RealFiles, Mp4H264Aac) {
  std::string path = ffmpeg("h264_aac.mp4", video(1) + " " + audio(1, 44100), "-c:v libx264 -bf 2 -c:a aac -shortest");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const MovieBox& moov = p.moovs[0];
  ASSERT_EQ(moov.traks.size(), 2u);
  const auto& v = moov.traks[0].mdia;
  EXPECT_EQ(v.hdlr.handler_type, fourcc("vide"));
  ASSERT_EQ(v.minf.stbl.stsd.visual.size(), 1u);
  EXPECT_EQ(v.minf.stbl.stsd.visual[0].type, fourcc("avc1"));
  EXPECT_EQ(v.minf.stbl.stsd.visual[0].width, 320);
  EXPECT_TRUE(v.minf.stbl.stsd.visual[0].avcC.has_value());
  EXPECT_TRUE(v.minf.stbl.ctts.has_value());  // B-frames
  ASSERT_TRUE(v.minf.stbl.stsz.has_value());
  EXPECT_EQ(v.minf.stbl.stsz->sample_count, static_cast<uint32_t>(tu::ffprobe_packet_count(path, "v")));
  const auto& a = moov.traks[1].mdia;
  ASSERT_EQ(a.minf.stbl.stsd.audio.size(), 1u);
  EXPECT_EQ(a.minf.stbl.stsd.audio[0].type, fourcc("mp4a"));
  EXPECT_TRUE(a.minf.stbl.stsd.audio[0].esds.has_value());
  EXPECT_EQ(a.minf.stbl.stsd.audio[0].sample_rate_hz(), 44100u);
  EXPECT_EQ(a.mdhd.timescale, 44100u);
  ASSERT_TRUE(a.minf.stbl.stsz.has_value());
  EXPECT_EQ(a.minf.stbl.stsz->sample_count, static_cast<uint32_t>(tu::ffprobe_packet_count(path, "a")));
}

TEST_F(RealFiles, MovH264Mulaw) {
  std::string path = ffmpeg("h264_ulaw.mov", video(1) + " " + audio(1, 8000), "-c:v libx264 -c:a pcm_mulaw -f mov");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  ASSERT_EQ(p.moovs[0].traks.size(), 2u);
  const auto& mdia = p.moovs[0].traks[1].mdia;
  EXPECT_EQ(mdia.hdlr.pre_defined, fourcc("mhlr"));
  EXPECT_EQ(mdia.hdlr.name, "SoundHandler");
  EXPECT_EQ(mdia.hdlr.name_form, StringForm::pascal);
  ASSERT_EQ(mdia.minf.stbl.stsd.audio.size(), 1u);
  const AudioSampleEntry& ulaw = mdia.minf.stbl.stsd.audio[0];
  EXPECT_EQ(ulaw.type, fourcc("ulaw"));
  EXPECT_EQ(ulaw.sample_rate_hz(), 8000u);
  EXPECT_EQ(ulaw.channelcount, 1);
  // QuickTime's data handler hdlr sits in minf before dinf and is kept raw.
  ASSERT_EQ(mdia.minf.unknown.size(), 1u);
  EXPECT_EQ(mdia.minf.unknown[0].type, fourcc("hdlr"));
}

TEST_F(RealFiles, MovAlawAndAacAndLpcm) {
  std::string alaw = ffmpeg("alaw.mov", audio(1, 8000), "-c:a pcm_alaw -f mov");
  SKIP_IF_NO_TOOL();
  std::string aac = ffmpeg("aac.mov", audio(1, 44100), "-c:a aac -f mov");
  std::string lpcm = ffmpeg("lpcm96k.mov", audio(1, 96000), "-c:a pcm_s24le -f mov");
  ASSERT_FALSE(alaw.empty() || aac.empty() || lpcm.empty());

  Parsed p = round_trip_file(alaw);
  ASSERT_EQ(p.moovs.size(), 1u);
  ASSERT_EQ(p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.audio.size(), 1u);
  EXPECT_EQ(p.moovs[0].traks[0].mdia.minf.stbl.stsd.audio[0].type, fourcc("alaw"));

  p = round_trip_file(aac);
  ASSERT_EQ(p.moovs.size(), 1u);
  const AudioSampleEntry& v1 = p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.audio.at(0);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.samples_per_packet, 1024u);
  EXPECT_FALSE(v1.esds.has_value());  // inside 'wave'
  ASSERT_FALSE(v1.unknown.empty());
  EXPECT_EQ(v1.unknown[0].type, fourcc("wave"));

  p = round_trip_file(lpcm);
  ASSERT_EQ(p.moovs.size(), 1u);
  const AudioSampleEntry& v2 = p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.audio.at(0);
  EXPECT_EQ(v2.type, fourcc("lpcm"));
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.sample_rate_hz(), 96000u);
  EXPECT_EQ(v2.const_bits_per_channel, 24u);
}

TEST_F(RealFiles, FragmentedMp4) {
  std::string path = ffmpeg("frag.mp4", video(2) + " " + audio(2, 44100),
                            "-c:v libx264 -g 12 -c:a aac -movflags frag_keyframe+empty_moov+default_base_moof");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  ASSERT_TRUE(p.moovs[0].mvex.has_value());
  EXPECT_EQ(p.moovs[0].mvex->trex.size(), 2u);
  // A demuxer of a fragmented file sees empty sample tables.
  EXPECT_TRUE(p.moovs[0].traks[0].mdia.minf.stbl.stts.entries.empty());
  EXPECT_GE(p.moofs.size(), 3u);
  for (size_t i = 0; i < p.moofs.size(); ++i) EXPECT_EQ(p.moofs[i].second.mfhd.sequence_number, i + 1);
  expect_fragments_point_into_mdat(p);
  ASSERT_EQ(p.mfras.size(), 1u);
  EXPECT_EQ(p.mfras[0].tfras.size(), 2u);
  EXPECT_EQ(p.mfras[0].mfro.size, box_size(p.mfras[0]));
  // Every random access point of the video track names a moof that exists.
  for (const auto& e : p.mfras[0].tfras[0].entries) {
    bool found = false;
    for (const auto& [offset, moof] : p.moofs) found |= offset == e.moof_offset;
    EXPECT_TRUE(found) << "tfra moof_offset " << e.moof_offset;
  }
}

TEST_F(RealFiles, FragmentedMp4WithNegativeCompositionOffsets) {
  std::string path = ffmpeg("frag_negcts.mp4", video(1),
                            "-c:v libx264 -bf 2 -g 10 -movflags frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  bool negative = false;
  for (const auto& [offset, moof] : p.moofs)
    for (const auto& traf : moof.trafs)
      for (const auto& trun : traf.truns)
        for (const auto& e : trun.entries) negative |= trun.version == 1 && e.sample_composition_time_offset < 0;
  EXPECT_TRUE(negative);
  expect_fragments_point_into_mdat(p);
}

TEST_F(RealFiles, RegularMp4WithCttsVersion1) {
  std::string path = ffmpeg("ctts_v1.mp4", video(1), "-c:v libx264 -bf 2 -movflags negative_cts_offsets");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const auto& ctts = p.moovs[0].traks.at(0).mdia.minf.stbl.ctts;
  ASSERT_TRUE(ctts.has_value());
  EXPECT_EQ(ctts->version, 1);
  bool negative = false;
  for (const auto& e : ctts->entries) negative |= e.sample_offset < 0;
  EXPECT_TRUE(negative);
}

TEST_F(RealFiles, SegmentIndex) {
  std::string path = ffmpeg("sidx.mp4", video(2), "-c:v libx264 -g 12 -movflags frag_keyframe+empty_moov+default_base_moof+global_sidx");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.sidxs.size(), 1u);
  EXPECT_EQ(p.sidxs[0].references.size(), p.moofs.size());
  uint64_t referenced = 0;
  for (const auto& r : p.sidxs[0].references) {
    EXPECT_EQ(r.reference_type, 0);
    referenced += r.referenced_size;
  }
  // The references cover the moof+mdat pairs exactly.
  ASSERT_FALSE(p.moofs.empty());
  EXPECT_EQ(referenced, p.file.size() - p.moofs.front().first - (p.mfras.empty() ? 0 : p.mfras[0].mfro.size));
}

TEST_F(RealFiles, HevcHvc1) {
  std::string path = ffmpeg("hevc.mp4", video(1), "-c:v libx265 -tag:v hvc1 -x265-params log-level=error");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const auto& visual = p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.visual;
  ASSERT_EQ(visual.size(), 1u);
  EXPECT_EQ(visual[0].type, fourcc("hvc1"));
  EXPECT_TRUE(visual[0].hvcC.has_value());
  EXPECT_FALSE(visual[0].avcC.has_value());
}

TEST_F(RealFiles, Mp4Opus) {
  std::string path = ffmpeg("opus.mp4", audio(1, 48000), "-c:a libopus");
  SKIP_IF_NO_TOOL();
  ASSERT_FALSE(path.empty());
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const auto& audio_entries = p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.audio;
  ASSERT_EQ(audio_entries.size(), 1u);
  EXPECT_EQ(audio_entries[0].type, fourcc("Opus"));
  EXPECT_TRUE(audio_entries[0].dOps.has_value());
}

// GStreamer's muxers: x264enc if present, else openh264enc.
class GstFiles : public RealFiles {
 protected:
  std::string gst(const std::string& name, const std::vector<std::string>& pipelines) {
    if (!tu::have_tool("gst-launch-1.0")) {
      skip_ = "gst-launch-1.0 not installed";
      return "";
    }
    std::string path = dir_->file(name);
    for (const auto& pipeline : pipelines) {
      std::error_code ec;
      fs::remove(path, ec);
      tu::CommandResult r = tu::run_command("gst-launch-1.0 -q " + pipeline + " ! filesink location=" + tu::shell_quote(path));
      if (r.exit_code == 0 && fs::exists(path) && fs::file_size(path) > 0) return path;
    }
    skip_ = "no GStreamer H.264 encoder works here";
    return "";
  }
  static std::vector<std::string> h264_pipelines(const std::string& mux) {
    return {"videotestsrc num-buffers=30 ! x264enc ! " + mux,
            "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240 ! openh264enc ! h264parse ! " + mux};
  }
};

TEST_F(GstFiles, Mp4mux) {
  std::string path = gst("gst.mp4", h264_pipelines("mp4mux"));
  SKIP_IF_NO_TOOL();
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const auto& visual = p.moovs[0].traks.at(0).mdia.minf.stbl.stsd.visual;
  ASSERT_EQ(visual.size(), 1u);
  EXPECT_EQ(visual[0].type, fourcc("avc1"));
  EXPECT_TRUE(visual[0].avcC.has_value());
}

TEST_F(GstFiles, FragmentedMp4mux) {
  std::string path = gst("gst_frag.mp4", h264_pipelines("mp4mux fragment-duration=300"));
  SKIP_IF_NO_TOOL();
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  EXPECT_TRUE(p.moovs[0].mvex.has_value());
  EXPECT_FALSE(p.moofs.empty());
}

TEST_F(GstFiles, QtmuxMulaw) {
  std::string path = gst("gst_ulaw.mov", {"audiotestsrc num-buffers=20 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! qtmux"});
  SKIP_IF_NO_TOOL();
  Parsed p = round_trip_file(path);
  ASSERT_EQ(p.moovs.size(), 1u);
  const auto& minf = p.moovs[0].traks.at(0).mdia.minf;
  ASSERT_EQ(minf.stbl.stsd.audio.size(), 1u);
  EXPECT_EQ(minf.stbl.stsd.audio[0].type, fourcc("ulaw"));
  EXPECT_EQ(minf.stbl.stsd.audio[0].sample_rate_hz(), 8000u);
  // qtmux references its data with an 'alis' entry, kept raw.
  EXPECT_TRUE(minf.dinf.dref.entries.empty());
  ASSERT_EQ(minf.dinf.dref.other.size(), 1u);
  EXPECT_EQ(minf.dinf.dref.other[0].type, fourcc("alis"));
}

}  // namespace
}  // namespace camrec::box
