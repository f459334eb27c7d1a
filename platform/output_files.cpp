#include "output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "platform/input_checks.h"
#include "platform/user_error.h"

namespace loomvp {
namespace {

[[noreturn]] void fail(const OutputFile& out, const std::string& problem) {
  throw UserError(out.option, echo(out.path), problem);
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A device or FIFO is opened without blocking (a FIFO with no reader fails
// at once), then switched back to blocking writes.
int open_special(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

bool is_special(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode);
}

// Writes all of `text` and closes; errno describes the first failure.
bool write_and_close(int fd, const std::string& text) {
  size_t done = 0;
  bool ok = true;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  const int saved = errno;
  const bool closed = ::close(fd) == 0;
  if (!ok) errno = saved;
  return ok && closed;
}

std::string temp_path(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

}  // namespace

void check_writable(const std::string& option, const std::string& path) {
  const OutputFile out{option, path, ""};
  if (path.empty()) fail(out, "empty path; give a file name");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) fail(out, "is a directory; expected a file name");
    if (!S_ISREG(info.st_mode)) {
      const int fd = open_special(path);
      if (fd < 0) fail(out, std::string("cannot write: ") + std::strerror(errno));
      ::close(fd);
      return;
    }
  }
  // A regular file is replaced by rename: the directory must take a new file.
  const std::string dir = parent_dir(path);
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    fail(out, "cannot write: directory " + echo(dir) + " does not exist");
  const std::string probe = temp_path(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(out, std::string("cannot write: ") + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_outputs(const std::vector<OutputFile>& outputs) {
  std::vector<const OutputFile*> staged;
  const auto discard = [&staged] {
    for (const OutputFile* out : staged) ::unlink(temp_path(out->path).c_str());
  };
  try {
    for (const OutputFile& out : outputs) {
      const bool special = is_special(out.path);
      const std::string target = special ? out.path : temp_path(out.path);
      const int fd = special ? open_special(target)
                             : ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) fail(out, std::string("cannot write: ") + std::strerror(errno));
      if (!special) staged.push_back(&out);
      if (!write_and_close(fd, out.text)) fail(out, std::string("cannot write: ") + std::strerror(errno));
    }
    for (size_t i = 0; i < staged.size(); ++i)
      if (std::rename(temp_path(staged[i]->path).c_str(), staged[i]->path.c_str()) != 0) {
        staged.erase(staged.begin(), staged.begin() + static_cast<long>(i));
        fail(*staged.front(), std::string("cannot replace file: ") + std::strerror(errno));
      }
  } catch (...) {
    discard();
    throw;
  }
}

}  // namespace loomvp
