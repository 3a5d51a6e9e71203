#include "client/eval/progress_bar.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace itaclip::client {
namespace {

constexpr int kBarWidth = 20;

}  // namespace

std::string FormatClock(absl::Duration duration) {
  const int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(duration));
  const int64_t hours = seconds / 3600;
  const int64_t minutes = seconds / 60 % 60;
  const int64_t rest = seconds % 60;
  if (hours > 0) return absl::StrFormat("%d:%02d:%02d", hours, minutes, rest);
  return absl::StrFormat("%d:%02d", minutes, rest);
}

std::string FormatProgressLine(int64_t done, int64_t total, int64_t cached,
                               absl::Duration elapsed) {
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = std::clamp(static_cast<int>(fraction * kBarWidth), 0, kBarWidth);
  std::string line =
      absl::StrCat("[", std::string(filled, '#'), std::string(kBarWidth - filled, '-'), "] ", done,
                   "/", total, absl::StrFormat(" %3d%%", static_cast<int>(fraction * 100)));
  if (cached > 0) absl::StrAppend(&line, "  ", cached, " cached");
  const int64_t segmented = done - cached;
  absl::StrAppend(&line, "  ");
  if (segmented > 0) {
    const double seconds_per_image = absl::ToDoubleSeconds(elapsed) / segmented;
    absl::StrAppend(&line, absl::StrFormat("%.2f s/image  ", seconds_per_image));
  }
  absl::StrAppend(&line, "elapsed ", FormatClock(elapsed));
  if (done < total) {
    if (segmented > 0) {
      absl::StrAppend(&line, "  ETA ", FormatClock(elapsed / segmented * (total - done)));
    } else {
      absl::StrAppend(&line, "  ETA ?");
    }
  }
  return line;
}

ProgressBar::ProgressBar(int64_t total, bool enabled, std::FILE* out)
    : total_(total), enabled_(enabled), out_(out), terminal_(::isatty(::fileno(out)) == 1) {}

void ProgressBar::Advance(bool from_cache) {
  ++done_;
  if (from_cache) ++cached_;
  Draw();
}

void ProgressBar::AddCached(int64_t count) {
  done_ += count;
  cached_ += count;
  if (count > 0) Draw();
}

void ProgressBar::Draw() {
  if (!enabled_) return;
  const std::string line = FormatProgressLine(done_, total_, cached_, absl::Now() - start_);
  if (terminal_) {
    // Pad so that a shorter line fully covers the previous one.
    std::fprintf(out_, "\r%-100s", line.c_str());
  } else {
    const int64_t percent = total_ > 0 ? done_ * 100 / total_ : 100;
    if (percent == last_percent_ && done_ != total_) return;
    last_percent_ = percent;
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_ && terminal_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace itaclip::client
