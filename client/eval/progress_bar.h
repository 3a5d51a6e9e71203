// The evaluation's progress on stderr: a bar, images done, the time per segmented image and the
// estimated time left (cached images cost nothing, so they do not count towards the rate).
#ifndef ITACLIP_CLIENT_EVAL_PROGRESS_BAR_H_
#define ITACLIP_CLIENT_EVAL_PROGRESS_BAR_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace itaclip::client {

// "0:07", "12:05", "1:02:03": hours only when needed; negative durations print as 0:00.
std::string FormatClock(absl::Duration duration);

// One progress line, e.g.
// "[##########----------] 7/14  50%  3 cached  2.10 s/image  elapsed 0:14  ETA 0:08".
// The rate is `elapsed` over the images segmented (done - cached); the ETA is that rate times the
// images left ("ETA ?" before the first image was segmented, nothing once done == total).
std::string FormatProgressLine(int64_t done, int64_t total, int64_t cached, absl::Duration elapsed);

// Not thread-safe: the caller serialises calls. On a terminal the line is redrawn in place ('\r');
// otherwise (a log file) one line is written whenever the whole percentage changes, so a long run
// writes at most about 100 lines.
class ProgressBar {
 public:
  ProgressBar(int64_t total, bool enabled, std::FILE* out = stderr);

  // One more image finished, from the cache or segmented.
  void Advance(bool from_cache);
  // `count` images answered from the cache at once (drawn once, however many).
  void AddCached(int64_t count);
  // Ends the line (a no-op when disabled or nothing was drawn).
  void Finish();

  int64_t done() const { return done_; }
  int64_t cached() const { return cached_; }

 private:
  void Draw();

  int64_t total_;
  bool enabled_;
  std::FILE* out_;
  bool terminal_;
  absl::Time start_ = absl::Now();
  int64_t done_ = 0;
  int64_t cached_ = 0;
  int64_t last_percent_ = -1;
  bool drawn_ = false;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_PROGRESS_BAR_H_
