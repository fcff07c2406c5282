// SPDX-License-Identifier: LGPL-2.1-or-later
#include "testing/conformance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "box/boxes.h"
#include "box/top_level.h"
#include "io/byte_reader.h"
#include "io/source.h"

namespace camrec::testing {

namespace {

using box::fourcc;
using box::fourcc_string;

constexpr std::string_view kSampleEntries = "avc1|avc3|hvc1|hev1|mp4a|Opus|ulaw|alaw";

}  // namespace

const std::vector<ContainerRule>& conformance_table() {
  static const std::vector<ContainerRule> table = {
      {"file", RuleScope::always,
       {{"ftyp", 1, 1, "14496-12 4.3"},
        {"moov", 1, 1, "14496-12 8.2.1"},
        {"mfra", 0, 1, "14496-12 8.8.9"},
        {"mdat|moof|free|skip|sidx|styp|meta|uuid", 0, kAnyCount, "14496-12 Table 1"}},
       "ftyp", ""},
      {"moov", RuleScope::always,
       {{"mvhd", 1, 1, "14496-12 8.2.2"},
        {"trak", 1, kAnyCount, "14496-12 8.3.1"},
        {"mvex", 0, 1, "14496-12 8.8.1"},
        {"udta", 0, 1, "14496-12 8.10.1"},
        {"meta", 0, 1, "14496-12 8.11.1"},
        {"iods", 0, 1, "14496-14 5.5"}},
       "", ""},
      {"moov", RuleScope::fragmented, {{"mvex", 1, 1, "14496-12 8.8.1 (a fragmented header)"}}, "", ""},
      {"moov", RuleScope::cmaf, {{"trak", 1, 1, "CMAF 23000-19 7.3.2 (one track per CMAF header)"}}, "", ""},
      {"trak", RuleScope::always,
       {{"tkhd", 1, 1, "14496-12 8.3.2"},
        {"mdia", 1, 1, "14496-12 8.4.1"},
        {"edts", 0, 1, "14496-12 8.6.5"},
        {"tref", 0, 1, "14496-12 8.3.3"},
        {"udta", 0, 1, "14496-12 8.10.1"},
        {"meta", 0, 1, "14496-12 8.11.1"}},
       "", ""},
      {"edts", RuleScope::always, {{"elst", 0, 1, "14496-12 8.6.6"}}, "", ""},
      {"mdia", RuleScope::always,
       {{"mdhd", 1, 1, "14496-12 8.4.2"}, {"hdlr", 1, 1, "14496-12 8.4.3"}, {"minf", 1, 1, "14496-12 8.4.4"}},
       "", ""},
      {"minf", RuleScope::always,
       {{"vmhd|smhd|hmhd|nmhd|sthd", 1, 1, "14496-12 8.4.5 (one media header)"},
        {"dinf", 1, 1, "14496-12 8.7.1"},
        {"stbl", 1, 1, "14496-12 8.5.1"}},
       "", ""},
      {"dinf", RuleScope::always, {{"dref", 1, 1, "14496-12 8.7.2"}}, "", ""},
      {"dref", RuleScope::always, {{"url |urn ", 1, kAnyCount, "14496-12 8.7.2"}}, "", ""},
      {"stbl", RuleScope::always,
       {{"stsd", 1, 1, "14496-12 8.5.2"},
        {"stts", 1, 1, "14496-12 8.6.1.2"},
        {"stsc", 1, 1, "14496-12 8.7.4"},
        {"stsz|stz2", 1, 1, "14496-12 8.7.3.1"},
        {"stco|co64", 1, 1, "14496-12 8.7.5.1"},
        {"ctts", 0, 1, "14496-12 8.6.1.3"},
        {"cslg", 0, 1, "14496-12 8.6.1.4"},
        {"stss", 0, 1, "14496-12 8.6.2"},
        {"stsh", 0, 1, "14496-12 8.6.3"},
        {"sdtp", 0, 1, "14496-12 8.6.4"},
        {"padb", 0, 1, "14496-12 8.7.6"},
        {"sbgp|sgpd|subs|saiz|saio", 0, kAnyCount, "14496-12 8.9, 8.7.7, 8.7.8, 8.7.9"}},
       "", ""},
      {"stsd", RuleScope::always, {{kSampleEntries, 1, kAnyCount, "14496-12 8.5.2 (entry_count >= 1)"}}, "", ""},
      {"avc1|avc3", RuleScope::always,
       {{"avcC", 1, 1, "14496-15 5.4.2.1"},
        {"hvcC", 0, 0, "14496-15 5.4.2.1 (an AVC entry holds no HEVC record)"},
        {"btrt", 0, 1, "14496-12 8.5.2.2"},
        {"pasp", 0, 1, "14496-12 12.1.4"},
        {"clap", 0, 1, "14496-12 12.1.4"}},
       "", ""},
      {"hvc1|hev1", RuleScope::always,
       {{"hvcC", 1, 1, "14496-15 8.4.1.1"},
        {"avcC", 0, 0, "14496-15 8.4.1.1 (an HEVC entry holds no AVC record)"},
        {"btrt", 0, 1, "14496-12 8.5.2.2"},
        {"pasp", 0, 1, "14496-12 12.1.4"},
        {"clap", 0, 1, "14496-12 12.1.4"}},
       "", ""},
      {"mp4a", RuleScope::always, {{"esds", 1, 1, "14496-14 6.7"}, {"btrt", 0, 1, "14496-12 8.5.2.2"}}, "", ""},
      {"Opus", RuleScope::always, {{"dOps", 1, 1, "Opus in ISOBMFF 4.3.2"}, {"btrt", 0, 1, "14496-12 8.5.2.2"}}, "",
       ""},
      {"mvex", RuleScope::always,
       {{"mehd", 0, 1, "14496-12 8.8.2"}, {"trex", 1, kAnyCount, "14496-12 8.8.3 (one per track)"}}, "", ""},
      {"moof", RuleScope::always,
       {{"mfhd", 1, 1, "14496-12 8.8.5"}, {"traf", 0, kAnyCount, "14496-12 8.8.6"}}, "mfhd", ""},
      {"moof", RuleScope::cmaf, {{"traf", 1, 1, "CMAF 23000-19 7.3.2 (one track per fragment)"}}, "", ""},
      {"traf", RuleScope::always,
       {{"tfhd", 1, 1, "14496-12 8.8.7"},
        {"tfdt", 1, 1, "14496-12 8.8.12; Media Source Extensions' ISO BMFF byte stream needs it"},
        {"trun", 0, kAnyCount, "14496-12 8.8.8"},
        {"sdtp", 0, 1, "14496-12 8.6.4"},
        {"sbgp|sgpd|subs|saiz|saio", 0, kAnyCount, "14496-12 8.9, 8.7.7, 8.7.8, 8.7.9"}},
       "tfhd", ""},
      {"traf", RuleScope::cmaf, {{"trun", 1, 1, "CMAF 23000-19 7.3.2 (one run per track fragment)"}}, "", ""},
      {"mfra", RuleScope::always,
       {{"tfra", 0, kAnyCount, "14496-12 8.8.10"}, {"mfro", 1, 1, "14496-12 8.8.11"}}, "", "mfro"},
  };
  return table;
}

namespace {

bool type_in(std::string_view alternatives, std::string_view type) {
  size_t pos = 0;
  while (pos <= alternatives.size()) {
    size_t bar = alternatives.find('|', pos);
    if (bar == std::string_view::npos) bar = alternatives.size();
    if (alternatives.substr(pos, bar - pos) == type) return true;
    pos = bar + 1;
  }
  return false;
}

const char* scope_name(RuleScope s) {
  switch (s) {
    case RuleScope::always: return "every file";
    case RuleScope::cmaf: return "CMAF ('cmfc')";
    case RuleScope::fragmented: return "fragmented header (moov with mvex)";
    case RuleScope::regular: return "regular moov";
  }
  return "";
}

/// What a walk knows about the file while it checks one container.
struct WalkContext {
  bool cmaf = false;
  bool fragmented_moov = false;  ///< Inside a moov that holds an mvex.
};

bool applies(RuleScope scope, const WalkContext& c) {
  switch (scope) {
    case RuleScope::always: return true;
    case RuleScope::cmaf: return c.cmaf;
    case RuleScope::fragmented: return c.fragmented_moov;
    case RuleScope::regular: return !c.fragmented_moov;
  }
  return false;
}

/// Payload bytes before the first child of a container (0 for plain containers).
std::optional<uint64_t> children_start(std::string_view type, std::span<const uint8_t> payload) {
  if (type == "stsd" || type == "dref") return 8;  // version, flags, entry_count
  if (type_in("avc1|avc3|hvc1|hev1", type)) return 78;  // VisualSampleEntry, 14496-12 12.1.3
  if (type_in("mp4a|Opus|ulaw|alaw", type)) {
    // AudioSampleEntry (14496-12 12.2.3): 28 bytes; QuickTime sound description version 1
    // adds 16, version 2 adds 36 (the version is the u16 after data_reference_index).
    if (payload.size() < 10) return std::nullopt;
    const uint16_t version = static_cast<uint16_t>(payload[8] << 8 | payload[9]);
    return version == 1 ? 44 : version == 2 ? 64 : 28;
  }
  return 0;
}

bool is_container(std::string_view type) {
  static const std::set<std::string_view> kContainers = {"moov", "trak", "edts", "mdia", "minf", "dinf", "dref",
                                                         "stbl", "stsd", "avc1", "avc3", "hvc1", "hev1", "mp4a",
                                                         "Opus", "ulaw", "alaw", "mvex", "moof", "traf", "mfra"};
  return kContainers.count(type) > 0;
}

class Checker {
 public:
  Checker(std::vector<std::string>& problems, WalkContext context) : problems_(problems), context_(context) {}

  /// Checks `children` (types in file order) of a container of type `container` at `path`.
  void check_children(std::string_view container, const std::string& path, const std::vector<std::string>& children) {
    for (const auto& rule : conformance_table()) {
      if (!type_in(rule.container, container) || !applies(rule.scope, context_)) continue;
      for (const auto& child : rule.children) {
        uint32_t n = static_cast<uint32_t>(std::count_if(children.begin(), children.end(),
                                                         [&](const std::string& c) { return type_in(child.types, c); }));
        if (n < child.min || n > child.max) {
          std::string need = child.max == 0 ? "forbidden"
                             : child.min == child.max ? "needs " + std::to_string(child.min)
                             : child.max == kAnyCount ? "needs at least " + std::to_string(child.min)
                                                      : "needs " + std::to_string(child.min) + ".." + std::to_string(child.max);
          problems_.push_back(path + ": " + std::to_string(n) + " '" + std::string(child.types) + "' (" + need + "), " +
                              std::string(child.clause));
        }
      }
      if (!rule.first.empty() && !children.empty() && children.front() != rule.first)
        problems_.push_back(path + ": first child is '" + children.front() + "', must be '" + std::string(rule.first) + "'");
      if (!rule.last.empty() && !children.empty() && children.back() != rule.last)
        problems_.push_back(path + ": last child is '" + children.back() + "', must be '" + std::string(rule.last) + "'");
    }
  }

  /// Walks the box tree under a container whose children start at `payload` (the bytes
  /// after the box header), checking each container against the table.
  void walk(std::string_view type, const std::string& path, std::span<const uint8_t> payload, uint64_t offset) {
    auto start = children_start(type, payload);
    if (!start || *start > payload.size()) {
      problems_.push_back(path + ": too short for its fields (" + std::to_string(payload.size()) + " bytes)");
      return;
    }
    io::ByteReader r(payload.subspan(static_cast<size_t>(*start)), offset + *start);
    std::vector<std::string> children;
    std::map<std::string, int> seen;
    while (r.remaining() > 0) {
      if (r.remaining() < 8) {
        problems_.push_back(path + ": " + std::to_string(r.remaining()) + " bytes after the last child box");
        break;
      }
      const uint64_t child_offset = r.offset();
      box::BoxHeader h = box::read_box_header(r);
      if (!r.ok()) {
        problems_.push_back(path + ": broken child box at byte " + std::to_string(child_offset) + ": " +
                            r.status().message());
        break;
      }
      auto body = r.bytes(h.size - h.header_size);
      std::string child = fourcc_string(h.type);
      children.push_back(child);
      std::string child_path = path + "/" + child;
      if (child == "trak" || child == "traf") child_path += "[" + std::to_string(++seen[child]) + "]";
      if (is_container(child)) walk(child, child_path, body, child_offset + h.header_size);
    }
    check_children(type, path, children);
  }

 private:
  std::vector<std::string>& problems_;
  WalkContext context_;
};

uint32_t description_count(const box::TrackBox& trak) {
  const auto& stsd = trak.mdia.minf.stbl.stsd;
  return static_cast<uint32_t>(stsd.visual.size() + stsd.audio.size() + stsd.other.size());
}

/// The rules between boxes of a moov: description indexes that exist, a trex per trak,
/// empty tables in a fragmented header.
void check_movie(const box::MovieBox& moov, bool cmaf, const std::string& where, std::vector<std::string>& problems) {
  for (size_t i = 0; i < moov.traks.size(); ++i) {
    const auto& trak = moov.traks[i];
    const auto& stbl = trak.mdia.minf.stbl;
    const std::string path = where + "/trak[" + std::to_string(i + 1) + "]";
    const uint32_t descriptions = description_count(trak);
    for (const auto& e : stbl.stsc.entries)
      if (e.sample_description_index < 1 || e.sample_description_index > descriptions)
        problems.push_back(path + "/mdia/minf/stbl/stsc: sample_description_index " +
                           std::to_string(e.sample_description_index) + " of " + std::to_string(descriptions) +
                           " entries, 14496-12 8.7.4.3");
    for (const auto& v : stbl.stsd.visual) {
      if (v.avcC && (v.avcC->record.empty() || v.avcC->record[0] != 1))
        problems.push_back(path + ": avcC configurationVersion is not 1, 14496-15 5.3.3.1");
      if (v.hvcC && (v.hvcC->record.empty() || v.hvcC->record[0] != 1))
        problems.push_back(path + ": hvcC configurationVersion is not 1, 14496-15 8.3.3.1");
    }
    if (!moov.mvex) continue;
    // A CMAF header lists no samples (ISO BMFF allows samples in a fragmented file's moov;
    // ffmpeg writes some).
    const bool empty = stbl.stts.entries.empty() && stbl.stsc.entries.empty() &&
                       (!stbl.stsz || (stbl.stsz->sample_count == 0 && stbl.stsz->entry_sizes.empty())) &&
                       (!stbl.stco || stbl.stco->chunk_offsets.empty()) && (!stbl.co64 || stbl.co64->chunk_offsets.empty());
    if (cmaf && !empty) problems.push_back(path + ": a fragmented header's sample tables must be empty, CMAF 23000-19 7.3.2.2");
    int trex = 0;
    for (const auto& t : moov.mvex->trex) {
      if (t.track_ID != trak.tkhd.track_ID) continue;
      ++trex;
      if (t.default_sample_description_index < 1 || t.default_sample_description_index > descriptions)
        problems.push_back(path + ": trex default_sample_description_index " +
                           std::to_string(t.default_sample_description_index) + " of " +
                           std::to_string(descriptions) + " entries, 14496-12 8.8.3.3");
    }
    if (trex != 1)
      problems.push_back(where + "/mvex: " + std::to_string(trex) + " trex for track_ID " +
                         std::to_string(trak.tkhd.track_ID) + " (needs 1), 14496-12 8.8.3.1");
  }
}

void check_fragment(const box::MovieFragmentBox& moof, const box::MovieBox& moov, const std::string& where,
                    std::optional<uint32_t>& last_sequence, std::vector<std::string>& problems) {
  if (last_sequence && moof.mfhd.sequence_number <= *last_sequence)
    problems.push_back(where + "/mfhd: sequence_number " + std::to_string(moof.mfhd.sequence_number) +
                       " after " + std::to_string(*last_sequence) + ", must increase, 14496-12 8.8.5.3");
  last_sequence = moof.mfhd.sequence_number;
  for (size_t i = 0; i < moof.trafs.size(); ++i) {
    const auto& tfhd = moof.trafs[i].tfhd;
    const std::string path = where + "/traf[" + std::to_string(i + 1) + "]/tfhd";
    auto trak = std::find_if(moov.traks.begin(), moov.traks.end(),
                             [&](const box::TrackBox& t) { return t.tkhd.track_ID == tfhd.track_ID; });
    if (trak == moov.traks.end()) {
      problems.push_back(path + ": track_ID " + std::to_string(tfhd.track_ID) + " is not in the moov, 14496-12 8.8.7.1");
      continue;
    }
    if (tfhd.flags & box::TrackFragmentHeaderBox::kSampleDescriptionIndexPresent) {
      const uint32_t n = description_count(*trak);
      if (tfhd.sample_description_index < 1 || tfhd.sample_description_index > n)
        problems.push_back(path + ": sample_description_index " + std::to_string(tfhd.sample_description_index) +
                           " of " + std::to_string(n) + " entries, 14496-12 8.8.7.2");
    }
  }
}

}  // namespace

std::string conformance_table_markdown() {
  std::string out = "| container | scope | required (count) | optional (count) | forbidden | order |\n|---|---|---|---|---|---|\n";
  for (const auto& rule : conformance_table()) {
    std::string required, optional, forbidden, order;
    auto add = [](std::string& to, const std::string& what) { to += (to.empty() ? "" : ", ") + what; };
    for (const auto& c : rule.children) {
      std::string types(c.types);
      std::string count = c.max == kAnyCount ? std::to_string(c.min) + "+"
                          : c.min == c.max   ? std::to_string(c.min)
                                             : std::to_string(c.min) + ".." + std::to_string(c.max);
      if (c.max == 0) add(forbidden, types);
      else if (c.min > 0) add(required, types + " (" + count + ")");
      else add(optional, types + " (" + count + ")");
    }
    if (!rule.first.empty()) add(order, std::string(rule.first) + " first");
    if (!rule.last.empty()) add(order, std::string(rule.last) + " last");
    out += "| " + std::string(rule.container) + " | " + scope_name(rule.scope) + " | " + required + " | " + optional +
           " | " + forbidden + " | " + order + " |\n";
  }
  return out;
}

bool looks_like_iso_bmff(const std::string& path) {
  auto source = io::FileSource::open(path);
  if (!source || (*source)->size() < 8) return false;
  uint8_t head[8];
  if (!(*source)->read_at(0, head).is_ok()) return false;
  std::string type(reinterpret_cast<const char*>(head + 4), 4);
  if (type == "ftyp" && (*source)->size() >= 12) {
    uint8_t brand[4];
    if (!(*source)->read_at(8, brand).is_ok()) return false;
    if (std::string(reinterpret_cast<const char*>(brand), 4) == "qt  ") return false;
  }
  return type == "ftyp" || type == "moov" || type == "styp";
}

namespace {

std::set<std::string>& broken_on_purpose() {
  static std::set<std::string> paths;
  return paths;
}

}  // namespace

BrokenOnPurpose::BrokenOnPurpose(std::string path) : path_(std::move(path)) { broken_on_purpose().insert(path_); }
BrokenOnPurpose::~BrokenOnPurpose() { broken_on_purpose().erase(path_); }

void expect_conformant(const std::string& path) {
  if (broken_on_purpose().count(path) || !looks_like_iso_bmff(path)) return;
  std::string report = conformance_report(path);
  if (!report.empty()) ADD_FAILURE() << path << " breaks the conformance table:\n" << report;
}

std::vector<std::string> conformance_problems(const std::string& path, const ConformanceOptions& options) {
  std::vector<std::string> problems;
  auto source = io::FileSource::open(path);
  if (!source) return {path + ": cannot open: " + source.error().message()};
  auto scan = box::scan_top_level_boxes(**source);
  if (!scan) return {path + ": cannot read: " + scan.error().message()};
  const auto& boxes = scan->boxes;
  // A crash or a cut copy may end anywhere, even inside a box header; the boxes before it
  // are checked all the same.
  if (!scan->complete() && !options.crash_states) problems.push_back("file: " + scan->stop.message());

  WalkContext context;
  std::vector<std::string> top;
  std::optional<box::MovieBox> moov;
  std::optional<uint32_t> last_sequence;
  size_t moov_count = 0;
  bool after_fragments = false;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const auto& h = boxes[i];
    const std::string type = fourcc_string(h.type);
    top.push_back(type);
    if (type == "moof") after_fragments = true;
    if (type != "ftyp" && type != "moov" && type != "moof" && type != "mfra") continue;
    auto bytes = box::read_box_bytes(**source, h);
    if (!bytes) {
      problems.push_back(type + " at byte " + std::to_string(h.offset) + ": " + bytes.error().message());
      continue;
    }
    std::span<const uint8_t> payload(bytes->data() + h.header_size, bytes->size() - h.header_size);
    const std::string where = type + "@" + std::to_string(h.offset);
    if (type == "ftyp") {
      auto ftyp = box::parse_box<box::FileTypeBox>(*bytes, h.offset);
      if (!ftyp) {
        problems.push_back(ftyp.error().message());
        continue;
      }
      for (auto b : ftyp->compatible_brands)
        if (b == fourcc("cmfc") || b == fourcc("cmf2")) context.cmaf = true;
      continue;
    }
    if (type == "moov") {
      ++moov_count;
      auto parsed = box::parse_box<box::MovieBox>(*bytes, h.offset);
      if (!parsed) {
        problems.push_back(parsed.error().message());
        continue;
      }
      // State B of the regular layout's close (docs/file-layout.md): the final moov follows
      // the fragments while the first, fragmented, moov still rules.
      const bool state_b = moov_count == 2 && options.crash_states && moov && moov->mvex && after_fragments &&
                           !parsed->mvex && i + 1 == boxes.size();
      // A header being rewritten for new parameter sets: the new moov follows the old one,
      // before the fragments, and the old one still rules until it is renamed free.
      const bool header_update =
          moov_count == 2 && options.crash_states && moov && moov->mvex && parsed->mvex && !after_fragments;
      if (state_b || header_update) top.pop_back();
      WalkContext c = context;
      c.fragmented_moov = parsed->mvex.has_value();
      Checker(problems, c).walk("moov", where, payload, h.offset + h.header_size);
      check_movie(*parsed, context.cmaf, where, problems);
      if (!moov) moov = std::move(*parsed);
      continue;
    }
    Checker(problems, context).walk(type, where, payload, h.offset + h.header_size);
    if (type == "moof") {
      auto parsed = box::parse_box<box::MovieFragmentBox>(*bytes, h.offset);
      if (!parsed) problems.push_back(parsed.error().message());
      else if (moov) check_fragment(*parsed, *moov, where, last_sequence, problems);
    }
  }
  Checker(problems, context).check_children("file", "file", top);
  if (after_fragments && moov && !moov->mvex)
    problems.push_back("file: moof boxes after a moov without mvex, 14496-12 8.8.1");
  return problems;
}

std::string conformance_report(const std::string& path, const ConformanceOptions& options) {
  std::string out;
  for (const auto& p : conformance_problems(path, options)) out += p + "\n";
  return out;
}

}  // namespace camrec::testing
