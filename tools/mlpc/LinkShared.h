//===- LinkShared.h - mlpc --emit=shared: object + runtime -> .so -*- C++
//-*-===//
//
// A model as a shared library links the object with the runtime archive,
// so that it loads with dlopen (or Python's ctypes) alone, without an
// installed runtime or LD_LIBRARY_PATH. Linked with -Bsymbolic, each such
// library calls its own copy of the runtime even when another model's
// library, loaded with RTLD_GLOBAL, exports the same names.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_TOOLS_LINKSHARED_H
#define MLPC_TOOLS_LINKSHARED_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::mlpc {

/// The runtime archive beside an installed or built mlpc
/// (<dir of mlpc>/../lib/libmlpc_runtime.a), for the executable `argv0`.
std::string defaultRuntimeArchive(const char *argv0);

/// Writes the shared library of `object` (the bytes of a position
/// independent object) and `runtime` (libmlpc_runtime.a) to `os`, linked
/// by the C compiler driver `$CC` or `cc`. False, with a message in
/// `error`, when no driver or runtime is found or the link fails.
/// `manifest` (mlpc::writeManifest's JSON) is exported as
/// `const char mlpc_manifest[]`.
bool linkShared(llvm::StringRef object, llvm::StringRef runtime,
                llvm::StringRef manifest, llvm::raw_ostream &os,
                std::string &error);

} // namespace mlir::mlpc

#endif // MLPC_TOOLS_LINKSHARED_H
