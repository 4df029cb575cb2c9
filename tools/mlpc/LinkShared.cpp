//===- LinkShared.cpp - mlpc --emit=shared: object + runtime -> .so -------===//
#include "LinkShared.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace llvm;

std::string mlir::mlpc::defaultRuntimeArchive(const char *argv0) {
  std::string exe =
      sys::fs::getMainExecutable(argv0, (void *)&defaultRuntimeArchive);
  SmallString<256> path(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(path, "lib", "libmlpc_runtime.a");
  return std::string(path);
}

namespace {
/// A temporary directory that is removed with everything in it.
struct TempDir {
  SmallString<128> path;
  ~TempDir() {
    if (!path.empty())
      sys::fs::remove_directories(path);
  }
};
} // namespace

/// The C source of `const char mlpc_manifest[]` holding `manifest`.
static std::string manifestSource(StringRef manifest) {
  std::string c = "/* What mlpc compiled into this library (JSON). */\n"
                  "__attribute__((visibility(\"default\")))\n"
                  "const char mlpc_manifest[] = {";
  for (unsigned char ch : manifest)
    c += std::to_string(ch) + ",";
  return c + "0};\n";
}

bool mlir::mlpc::linkShared(StringRef object, StringRef runtime,
                            StringRef manifest, raw_ostream &os,
                            std::string &error) {
  if (!sys::fs::exists(runtime)) {
    error = ("--emit=shared links the runtime, but '" + runtime +
             "' does not exist; give its path with --runtime-lib")
                .str();
    return false;
  }
  const char *cc = std::getenv("CC");
  ErrorOr<std::string> driver = sys::findProgramByName(cc && *cc ? cc : "cc");
  if (!driver) {
    error = "--emit=shared links with a C compiler driver ($CC or cc), and "
            "none is on the PATH; install one (Debian: gcc or clang) or use "
            "--emit=obj and link the object yourself";
    return false;
  }
  TempDir dir;
  if (std::error_code ec =
          sys::fs::createUniqueDirectory("mlpc-shared", dir.path)) {
    error = "cannot make a temporary directory: " + ec.message();
    return false;
  }
  SmallString<128> obj(dir.path), lib(dir.path), log(dir.path), src(dir.path);
  sys::path::append(obj, "model.o");
  sys::path::append(src, "manifest.c");
  sys::path::append(lib, "model.so");
  sys::path::append(log, "link.log");
  std::string source = manifestSource(manifest);
  for (auto [path, text] : {std::pair{obj.str(), object},
                            std::pair{src.str(), StringRef(source)}}) {
    std::error_code ec;
    raw_fd_ostream f(path, ec);
    f << text;
    if (ec || f.has_error()) {
      f.clear_error();
      error = "cannot write a temporary file in " + dir.path.str().str();
      return false;
    }
  }
  // The whole runtime, so that a program that loads the library finds all
  // of its API (mlpc_status_string, mlpc_set_num_threads), not only what
  // the model calls. nodelete: its pool's threads run the library's code,
  // so dlclose must not unmap it.
  SmallVector<StringRef> args = {*driver,
                                 "-shared",
                                 "-Wl,-Bsymbolic",
                                 "-Wl,-z,nodelete",
                                 "-o",
                                 lib,
                                 obj,
                                 src,
                                 "-Wl,--whole-archive",
                                 runtime,
                                 "-Wl,--no-whole-archive",
                                 "-lm",
                                 "-lpthread",
                                 "-ldl"};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string execError;
  int rc = sys::ExecuteAndWait(*driver, args, std::nullopt, redirects, 0, 0,
                               &execError);
  if (rc != 0) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> out = MemoryBuffer::getFile(log);
    error = "linking the shared library with '" + *driver + "' failed" +
            (execError.empty() ? "" : ": " + execError) +
            (out && (*out)->getBufferSize()
                 ? ":\n" + (*out)->getBuffer().rtrim().str()
                 : "");
    return false;
  }
  ErrorOr<std::unique_ptr<MemoryBuffer>> bytes = MemoryBuffer::getFile(lib);
  if (!bytes) {
    error = "cannot read the linked library: " + bytes.getError().message();
    return false;
  }
  os << (*bytes)->getBuffer();
  return true;
}
