// SPDX-License-Identifier: LGPL-2.1-or-later
// Every ISO BMFF box camrec reads and writes, in one include.
#pragma once

#include "box/archive.h"
#include "box/file_boxes.h"
#include "box/fragment_boxes.h"
#include "box/inspect.h"
#include "box/movie_boxes.h"
#include "box/sample_entry_boxes.h"
#include "box/sample_table_boxes.h"
#include "box/top_level.h"
