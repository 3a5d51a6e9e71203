// Linked into every test executable: on a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT)
// prints the signal and the stack (glibc backtrace, mangled names; pipe through c++filt) to stderr
// before dying as before. A crash on a machine without a debugger (the GPU machine) then says
// where it happened.
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>

namespace {

void PrintStackAndDie(int signal_number) {
  static const char kHeader[] = "\n*** fatal signal ";
  (void)!write(STDERR_FILENO, kHeader, sizeof(kHeader) - 1);
  const char* name = strsignal(signal_number);
  (void)!write(STDERR_FILENO, name, std::strlen(name));
  (void)!write(STDERR_FILENO, "; stack:\n", 9);
  void* frames[64];
  const int count = backtrace(frames, 64);
  backtrace_symbols_fd(frames, count, STDERR_FILENO);
  // Default action again (SA_RESETHAND), so the process ends with the same signal.
  raise(signal_number);
}

const bool kInstalled = [] {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = &PrintStackAndDie;
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  for (int signal_number : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) {
    sigaction(signal_number, &action, nullptr);
  }
  return true;
}();

}  // namespace
