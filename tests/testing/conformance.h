// SPDX-License-Identifier: LGPL-2.1-or-later
// A conformance checker for the files camrec writes: one table of the containers and the
// child boxes ISO/IEC 14496-12 (14496-15 for avcC/hvcC, 14496-14 for esds, CMAF for
// --cmaf files) requires or forbids in each, and a walk of a file that checks it against the
// table, plus the rules between boxes a table cannot say (a trex per trak, description
// indexes that exist, empty sample tables in a fragmented header).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace camrec::testing {

/// No upper bound on a child's count.
inline constexpr uint32_t kAnyCount = UINT32_MAX;

/// One kind of child box of a container: its type (alternatives separated by '|', any of
/// which counts), how many of them the container holds, and where the rule comes from.
struct ChildRule {
  std::string_view types;
  uint32_t min = 0;
  uint32_t max = kAnyCount;  ///< 0: the child is forbidden.
  std::string_view clause;
};

/// When a container's rules apply.
enum class RuleScope {
  always,      ///< Every file.
  cmaf,        ///< Files whose ftyp lists a CMAF brand ('cmfc', 'cmf2').
  fragmented,  ///< moov boxes that hold an mvex (a fragmented header).
  regular,     ///< moov boxes without mvex (a regular file's index).
};

/// The rules of one container type: its children, which child comes first or last where
/// the spec fixes it, and how many payload bytes come before the children (full box
/// header, entry counts, sample entry fields).
struct ContainerRule {
  std::string_view container;  ///< A fourcc, or "file" for the top level.
  RuleScope scope = RuleScope::always;
  std::vector<ChildRule> children;
  std::string_view first;  ///< Child type that must be the first child, or empty.
  std::string_view last;   ///< Child type that must be the last child, or empty.
};

/// The table: every container camrec writes, once per scope that adds rules.
const std::vector<ContainerRule>& conformance_table();

/// The table as Markdown (container | scope | required | optional | forbidden | order).
std::string conformance_table_markdown();

struct ConformanceOptions {
  /// Accept the states a crash or an interrupted close leaves (docs/file-layout.md): a torn
  /// last top-level box, the regular layout's state B, whose final moov follows the
  /// fragments while the first moov still rules, and a header being rewritten for new
  /// parameter sets (a second moov before the fragments). False for files that must be closed.
  bool crash_states = true;
};

/// Every rule `path` breaks, one message each with the box path and the clause ("moov/
/// trak[1]/mdia/minf/stbl: 0 'stsz|stz2' (needs 1), 14496-12 8.7.3.1"). Empty when the file
/// conforms. A file that is not ISO BMFF at all (no ftyp/moov/free first) gives one message.
std::vector<std::string> conformance_problems(const std::string& path, const ConformanceOptions& options = {});

/// True when `path` starts like an ISO BMFF file (ftyp, moov or styp first) and is not a
/// QuickTime movie (major brand 'qt  ', whose 'alis' references and 'wide' boxes are not
/// ISO): the files the shared probe helpers check.
bool looks_like_iso_bmff(const std::string& path);

/// Fails the running test (gtest ADD_FAILURE, with every problem) when `path` looks like
/// ISO BMFF and breaks a rule, crash states allowed. Every probe helper of probe_util.h and
/// test_util.h calls it on the file it reads, so each file the suite checks with an
/// external reader is checked against the table too.
void expect_conformant(const std::string& path);

/// A file a test breaks on purpose (cut before its moov, a box taken out): while the guard
/// lives the probe helpers read it without checking it against the table.
class BrokenOnPurpose {
 public:
  explicit BrokenOnPurpose(std::string path);
  ~BrokenOnPurpose();
  BrokenOnPurpose(const BrokenOnPurpose&) = delete;
  BrokenOnPurpose& operator=(const BrokenOnPurpose&) = delete;

 private:
  std::string path_;
};

/// The problems joined into one message, "" when none.
std::string conformance_report(const std::string& path, const ConformanceOptions& options = {});

}  // namespace camrec::testing
