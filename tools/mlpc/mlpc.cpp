//===- mlpc.cpp - the mlpc compiler driver --------------------------------===//
//
//   mlpc model.mlir -o model.o --header model.h
//
// Every output is produced in memory first and written only when the whole
// compilation has succeeded, so a failed run never leaves a partial file.
//
//===----------------------------------------------------------------------===//
#include "LinkShared.h"
#include "mlpc/CAbi/Header.h"
#include "mlpc/CPU/Passes.h"
#include "mlpc/CPU/Stats.h"
#include "mlpc/CodeGen/CodeGen.h"
#include "mlpc/CodeGen/Registration.h"
#include "mlpc/Frontend/ONNX.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Quantize.h"
#ifdef MLPC_ENABLE_GPU
#include "mlpc/GPU/Passes.h"
#endif

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("mlpc options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.mlir | model.onnx | ->"),
                                      cl::init("-"), cl::cat(category));
static cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file ('-' for stdout; default: the "
                        "input's name with the output kind's suffix)"),
               cl::value_desc("file"), cl::cat(category));

enum class InputFormat { Auto, MLIR, ONNX };
static cl::opt<InputFormat> inputFormat(
    "input-format",
    cl::desc("The input's format (default: onnx for a .onnx file, else "
             "mlir)"),
    cl::init(InputFormat::Auto),
    cl::values(clEnumValN(InputFormat::MLIR, "mlir",
                          "an MLIR module of the mlp dialect"),
               clEnumValN(InputFormat::ONNX, "onnx", "an ONNX model")),
    cl::cat(category));
static cl::opt<std::string>
    entryName("name",
              cl::desc("The C entry point of an ONNX model (default: the "
                       "file's stem as a C identifier)"),
              cl::value_desc("NAME"), cl::cat(category));

enum class Emit { MLP, MLIR, LLVM, Asm, Obj, Shared, PTX };
static cl::opt<Emit> emitKind(
    "emit", cl::desc("What to write (default: obj)"), cl::init(Emit::Obj),
    cl::values(
        clEnumValN(Emit::MLP, "mlp",
                   "the model in the mlp dialect, before any pass (what an "
                   "ONNX model was imported as; mlpc compiles it again)"),
        clEnumValN(Emit::MLIR, "mlir",
                   "MLIR after mlpc's passes (linalg/vector on tensors)"),
        clEnumValN(Emit::LLVM, "llvm",
                   "optimized LLVM IR (weights as byte strings)"),
        clEnumValN(Emit::Asm, "asm", "assembly for the target"),
        clEnumValN(Emit::Obj, "obj", "a position-independent object"),
        clEnumValN(Emit::Shared, "shared",
                   "a shared library of the model with the runtime linked "
                   "in (for dlopen, Python's ctypes, plugins)"),
        clEnumValN(Emit::PTX, "ptx", "the kernels' PTX (--target=nvptx)")),
    cl::cat(category));
static cl::opt<std::string>
    headerFile("header",
               cl::desc("Also write a C header declaring the entry points"),
               cl::value_desc("file"), cl::cat(category));
static cl::opt<unsigned>
    optLevel("O", cl::desc("Optimization level 0-3 (default: -O3)"), cl::Prefix,
             cl::init(3), cl::cat(category));
static cl::opt<std::string>
    mcpu("mcpu", cl::desc("Target CPU (default: native, the host's)"),
         cl::init("native"), cl::cat(category));
static cl::opt<std::string>
    mattr("mattr", cl::desc("Extra target features, e.g. -avx512f,+avx2"),
          cl::cat(category));
enum class Target { CPU, NVPTX };
static cl::opt<Target>
    target("target", cl::desc("Where the model runs (default: cpu)"),
           cl::init(Target::CPU),
           cl::values(clEnumValN(Target::CPU, "cpu", "the host CPU"),
                      clEnumValN(Target::NVPTX, "nvptx",
                                 "NVIDIA GPUs, through the CUDA driver")),
           cl::cat(category));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architecture for --target=nvptx, sm_70 to sm_90 "
                     "(default: sm_80)"),
            cl::init("sm_80"), cl::cat(category));
static cl::opt<std::string> ptxasPath(
    "ptxas",
    cl::desc("ptxas used to add a cubin for --gpu-arch (default: "
             "$CUDA_PATH/bin, /usr/local/cuda/bin, then PATH; 'none': PTX "
             "only)"),
    cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string>
    mtriple("mtriple", cl::desc("Target triple (default: the host's)"),
            cl::cat(category));
static cl::opt<std::string> precision(
    "precision",
    cl::desc("Precision of the layers' weights: f32 (default), bf16 or int8 "
             "(activations quantized per row); inputs and outputs stay f32"),
    cl::value_desc("f32|bf16|int8"), cl::init("f32"), cl::cat(category));
static cl::opt<std::string> bf16Product(
    "bf16-product",
    cl::desc("With --precision=bf16: dot rounds the activations to bf16 too "
             "and multiplies with vdpbf16ps (the default where the target "
             "has AVX512-BF16); widen multiplies the f32 activations by the "
             "weights widened to f32 (exact products; docs/accuracy.md)"),
    cl::value_desc("dot|widen"), cl::cat(category));
static cl::list<std::string> keepF32(
    "keep-f32",
    cl::desc("Layers whose weights stay f32 under --precision: first, last, "
             "a 0-based layer index or a layer's (ONNX node's) name"),
    cl::value_desc("layer,..."), cl::CommaSeparated, cl::cat(category));

static cl::opt<bool>
    trace("trace",
          cl::desc("Also export NAME_trace beside each entry NAME: NAME's "
                   "outputs, then every layer's pre-activation z and output "
                   "a (named and shaped in the header)"),
          cl::cat(category));

enum class StatsFormat { None, Text, Json };
/// --stats. LLVM registers a -stats of its own (its pass statistics, which
/// mlpc does not print): main() removes that one and only then makes this
/// one, on first use.
static cl::opt<StatsFormat> &statsOption() {
  static cl::opt<StatsFormat> option(
      "stats",
      cl::desc("Also print, on standard output, each op's shapes, "
               "parameters, packed weight bytes, FLOPs and activation bytes "
               "per batch row and what was fused into it, with totals per "
               "entry"),
      cl::init(StatsFormat::None), cl::ValueOptional,
      cl::values(clEnumValN(StatsFormat::Text, "", "a table (the default)"),
                 clEnumValN(StatsFormat::Text, "text", "a table"),
                 clEnumValN(StatsFormat::Json, "json", "JSON")),
      cl::cat(category));
  return option;
}
static cl::opt<int64_t> statsBatch(
    "stats-batch",
    cl::desc("The batch at which --stats gives a call's scratch bytes "
             "(default: 1)"),
    cl::init(1), cl::cat(category));

static cl::opt<std::string>
    runtimeLib("runtime-lib",
               cl::desc("The runtime archive --emit=shared links in (default: "
                        "lib/libmlpc_runtime.a beside mlpc's bin/)"),
               cl::value_desc("path"), cl::cat(category));

// For testing: the AVX-512 kernel (6x32x16) runs on an AVX2 host, where
// LLVM splits its 16-lane vectors in two, so its tiles, leftovers, panels
// and column splits are checked against a reference on this machine too.
static cl::opt<std::string> kernelTile(
    "kernel-tile",
    cl::desc("Dense kernel register tile ROWSxCOLSxLANES instead of the "
             "target's (e.g. 6x32x16, AVX-512's; testing only)"),
    cl::value_desc("RxCxL"), cl::Hidden, cl::cat(category));

// For testing: every dense layer in one loop order, so that each strategy's
// code is run and checked on small models too.
static cl::opt<std::string> denseStrategy(
    "dense-strategy",
    cl::desc("Every dense layer's loop order: auto, rows-outer, "
             "column-groups, panels-outer or column-split (testing only)"),
    cl::init("auto"), cl::Hidden, cl::cat(category));

// For testing and measurement: the narrow products this target would not
// choose (each one is checked on this machine, and the two bf16 ones
// compared).
static cl::opt<std::string> int8Product(
    "int8-product",
    cl::desc("How i8 weights are multiplied: vnni, maddwd or generic, "
             "instead of the target's best (testing only)"),
    cl::Hidden, cl::cat(category));

static const char *overview =
    R"(mlpc: ahead-of-time compiler for MLP forward passes

Compiles a model written in the mlp MLIR dialect, or an ONNX model, into an
object file that exports one C function per public entry point @NAME (an
ONNX model has one, named after the file or --name):

  int32_t NAME(const float *in0, ..., float *out0, ..., int64_t batch);

It returns MLPC_OK (0) or a status code from <mlpc/runtime.h>.

Example:
  mlpc model.mlir -o model.o --header model.h
  cc app.c model.o -I<prefix>/include -L<prefix>/lib -lmlpc_runtime -lm -o app

  mlpc model.onnx -o model.o --header model.h
  mlpc model.onnx --emit=mlp -o model.mlir  # what mlpc made of the ONNX model
  mlpc model.mlir --emit=mlir      # inspect the IR after fusion and lowering
  mlpc model.mlir --emit=asm -o -  # the generated machine code

  mlpc model.mlir --target=nvptx --gpu-arch=sm_90 -o model.o --header model.h
                                   # NVIDIA GPUs: the same NAME(...), plus
                                   # NAME_device(..., batch, stream)

Exit status: 0 on success, 1 on any error (diagnostics go to stderr with
file:line:col; no output file is written).
)";

namespace {
/// Applies --kernel-tile to `opts`; false (with a message) if it does not
/// name a tile: 1-16 rows, 4, 8 or 16 lanes, columns a multiple of the
/// lanes, at most 32 accumulator vectors.
bool applyKernelTile(mlpc::TargetTuning &opts) {
  if (kernelTile.empty())
    return true;
  SmallVector<StringRef> parts;
  StringRef(kernelTile).split(parts, 'x');
  int64_t rows = 0, cols = 0, lanes = 0;
  if (parts.size() != 3 || parts[0].getAsInteger(10, rows) ||
      parts[1].getAsInteger(10, cols) || parts[2].getAsInteger(10, lanes) ||
      rows < 1 || rows > 16 || (lanes != 4 && lanes != 8 && lanes != 16) ||
      cols < lanes || cols % lanes || rows * (cols / lanes) > 32) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--kernel-tile=" << kernelTile
        << " is not a tile; use ROWSxCOLSxLANES with 1-16 rows, 4, 8 or 16 "
           "lanes, columns a multiple of the lanes and at most 32 "
           "accumulator vectors, e.g. 6x32x16\n";
    return false;
  }
  // The target's narrow dot products work on its own vectors only.
  if (lanes != opts.vectorWidth) {
    opts.int8 = mlpc::Int8Product::Generic;
    opts.hasBf16Dot = false;
    opts.bf16 = mlpc::BF16Product::Widen;
  }
  opts.tileRows = rows;
  opts.tileCols = cols;
  opts.vectorWidth = lanes;
  return true;
}

/// Writes `data` to `path` ('-' is stdout) only now, at the very end.
bool writeOutput(StringRef path, StringRef data) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    llvm::WithColor::error(llvm::errs(), "mlpc") << error << "\n";
    return false;
  }
  file->os() << data;
  file->os().flush();
  if (file->os().has_error()) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "cannot write '" << path << "'\n";
    file->os().clear_error();
    return false;
  }
  file->keep();
  return true;
}

std::string defaultOutput(StringRef input) {
  StringRef suffix = emitKind == Emit::MLP      ? ".mlp.mlir"
                     : emitKind == Emit::MLIR   ? ".out.mlir"
                     : emitKind == Emit::LLVM   ? ".ll"
                     : emitKind == Emit::Asm    ? ".s"
                     : emitKind == Emit::PTX    ? ".ptx"
                     : emitKind == Emit::Shared ? ".so"
                                                : ".o";
  if (input == "-")
    return emitKind == Emit::Obj      ? "a.o"
           : emitKind == Emit::Shared ? "a.so"
                                      : "-";
  SmallString<128> path(llvm::sys::path::filename(input));
  llvm::sys::path::replace_extension(path, "");
  return (path + suffix).str();
}

std::string headerGuard(StringRef path) {
  std::string guard = "MLPC_";
  for (char c : llvm::sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return guard;
}

/// Writes what `produce` streams to `path`: into a temporary file beside it,
/// renamed over `path` only once complete, so that a failure leaves neither
/// a half-written file nor a lost earlier one, and a large object goes
/// straight to disk instead of through a buffer in memory. `produce`
/// reports its own errors.
bool writeStreamed(
    StringRef path,
    llvm::function_ref<bool(llvm::raw_pwrite_stream &)> produce) {
  // Standard output, /dev/null, a pipe: written in one piece at the end,
  // never renamed over, and not seekable (as object writers need).
  llvm::sys::fs::file_status status;
  if (path == "-" ||
      (!llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
       !llvm::sys::fs::is_regular_file(status))) {
    SmallString<0> bytes;
    llvm::raw_svector_ostream os(bytes);
    return produce(os) && writeOutput(path, bytes);
  }
  auto fail = [&](const Twine &message) {
    llvm::WithColor::error(llvm::errs(), "mlpc") << message << "\n";
    return false;
  };
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(path + "-%%%%%%.tmp");
  if (!temp)
    return fail("cannot write '" + path +
                "': " + llvm::toString(temp.takeError()));
  bool ok;
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    ok = produce(os);
    os.flush();
    if (ok && os.has_error())
      ok = fail("cannot write '" + path + "'");
    os.clear_error();
  }
  if (!ok) {
    llvm::consumeError(temp->discard());
    return false;
  }
  if (llvm::Error e = temp->keep(path))
    return fail("cannot write '" + path + "': " + llvm::toString(std::move(e)));
  return true;
}

/// The main output (from `produce`), then the --header file; neither is
/// left behind if either fails.
int writeOutputs(llvm::function_ref<bool(llvm::raw_pwrite_stream &)> produce,
                 ArrayRef<mlpc::EntrySignature> entries, bool gpu) {
  std::string output = outputFile.getNumOccurrences()
                           ? outputFile.getValue()
                           : defaultOutput(inputFile);
  if ((emitKind == Emit::Obj || emitKind == Emit::Shared) && output == "-" &&
      llvm::sys::Process::StandardOutIsDisplayed()) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "not writing an object file to a terminal; use -o FILE\n";
    return 1;
  }
  std::string header;
  if (!headerFile.empty()) {
    llvm::raw_string_ostream hs(header);
    mlpc::writeHeader(hs, entries, headerGuard(headerFile),
                      llvm::sys::path::filename(inputFile), gpu);
  }
  if (!writeStreamed(output, produce))
    return 1;
  if (!headerFile.empty() && !writeOutput(headerFile, header)) {
    if (output != "-")
      llvm::sys::fs::remove(output);
    return 1;
  }
  return 0;
}

/// The same for an output already in memory (MLIR or PTX text).
int writeOutputs(StringRef text, ArrayRef<mlpc::EntrySignature> entries,
                 bool gpu) {
  return writeOutputs(
      [&](llvm::raw_pwrite_stream &os) {
        os << text;
        return true;
      },
      entries, gpu);
}

/// Generates code for `module`, in the LLVM dialect, straight into the
/// outputs.
int emitOutputs(MLIRContext &context, ModuleOp module,
                const mlpc::TargetSpec &target,
                ArrayRef<mlpc::EntrySignature> entries, bool gpu) {
  // The weights as parsed are garbage once packed, and the packed ones once
  // in the LLVM module: each copy is as large as the model.
  mlpc::releaseWeightBlobs(&context, module);
  auto kind = emitKind == Emit::LLVM  ? mlpc::OutputKind::LLVMIR
              : emitKind == Emit::Asm ? mlpc::OutputKind::Assembly
                                      : mlpc::OutputKind::Object;
  return writeOutputs(
      [&](llvm::raw_pwrite_stream &os) {
        std::string error;
        auto release = [&] { mlpc::releaseWeightBlobs(&context); };
        bool ok;
        if (emitKind == Emit::Shared) {
          // The object in memory, then linked with the runtime.
          std::string manifest;
          llvm::raw_string_ostream manifestStream(manifest);
          mlpc::writeManifest(manifestStream, entries, gpu);
          SmallString<0> object;
          llvm::raw_svector_ostream objectStream(object);
          ok = mlpc::emitModule(module, target, kind, objectStream, error,
                                release) &&
               mlpc::linkShared(object, runtimeLib, manifest, os, error);
        } else {
          ok = mlpc::emitModule(module, target, kind, os, error, release);
        }
        if (!ok)
          llvm::WithColor::error(llvm::errs(), "mlpc") << error << "\n";
        return ok;
      },
      entries, gpu);
}

#ifdef MLPC_ENABLE_GPU
/// --target=nvptx: kernels to PTX (and a cubin when ptxas can make one),
/// host code for this machine's CPU.
int compileForGpu(MLIRContext &context, ModuleOp module) {
  auto fail = [](const Twine &message) {
    llvm::WithColor::error(llvm::errs(), "mlpc") << message << "\n";
    return 1;
  };
  if (!mlpc::isSupportedGpuArch(gpuArch))
    return fail("--gpu-arch=" + gpuArch + " is not supported; use one of " +
                llvm::join(mlpc::supportedGpuArchs(), ", "));
  PassManager verify(&context);
  mlpc::addVerifyModel(verify);
  mlpc::buildGpuFusionPipeline(verify, optLevel, trace);
  if (failed(verify.run(module)))
    return 1;
  SmallVector<mlpc::EntrySignature> entries = mlpc::collectEntries(module);

  PassManager high(&context);
  mlpc::buildGpuKernelPipeline(high);
  if (failed(high.run(module)))
    return 1;
  std::string text;
  llvm::raw_string_ostream textStream(text);
  if (emitKind == Emit::MLIR) {
    module.print(textStream);
    return writeOutputs(text, entries, /*gpu=*/true);
  }
  PassManager kernels(&context);
  mlpc::buildKernelsToPtxPipeline(kernels, gpuArch);
  if (failed(kernels.run(module)))
    return 1;
  if (emitKind == Emit::PTX)
    return writeOutputs(mlpc::getPtx(module), entries, /*gpu=*/true);

  std::string ptxas = mlpc::findPtxas(ptxasPath);
  std::string error;
  if (!ptxas.empty() && !mlpc::attachCubin(module, ptxas, gpuArch, error)) {
    // CUDA 13's ptxas no longer targets Volta (sm_70, sm_72): the object
    // then carries PTX only, which the driver compiles when it loads it.
    if (!StringRef(error).contains("is not defined for option"))
      return fail(error);
    llvm::WithColor::warning(llvm::errs(), "mlpc")
        << ptxas << " cannot assemble for " << gpuArch
        << "; the object carries PTX only (compiled by the driver at load "
           "time)\n";
  }
  PassManager host(&context);
  mlpc::buildGpuHostToLLVMPipeline(host);
  if (failed(host.run(module)))
    return 1;
  mlpc::TargetSpec hostTarget{mtriple, mcpu, mattr, optLevel};
  return emitOutputs(context, module, hostTarget, entries, /*gpu=*/true);
}
#endif

/// --stats, once the outputs are written.
void printStats(ArrayRef<mlpc::EntryStats> stats) {
  if (statsOption() == StatsFormat::Json)
    mlpc::printStatsJson(llvm::outs(), stats);
  else if (statsOption() == StatsFormat::Text)
    mlpc::printStats(llvm::outs(), stats);
  llvm::outs().flush();
}

/// The options that cannot go together, checked before any work.
bool checkOptions() {
  auto fail = [](const Twine &message) {
    llvm::WithColor::error(llvm::errs(), "mlpc") << message << "\n";
    return false;
  };
  std::string output = outputFile.getNumOccurrences()
                           ? outputFile.getValue()
                           : defaultOutput(inputFile);
  if (statsOption() != StatsFormat::None) {
    if (output == "-")
      return fail("--stats prints on standard output, where the output "
                  "would go too; write the output to a file with -o");
    if (target == Target::NVPTX)
      return fail("--stats describes the CPU kernels; leave out "
                  "--target=nvptx, or --stats");
    if (emitKind == Emit::MLP)
      return fail("--stats describes the layers after fusion, which "
                  "--emit=mlp does not run; use another --emit");
  }
  if (statsBatch < 1)
    return fail("--stats-batch=" + Twine(statsBatch) +
                " is not a batch; give a number of rows of 1 or more");
  return true;
}

std::string inputPath() {
  return inputFile == "-" ? "<stdin>" : inputFile.getValue();
}

/// Diagnostics about an ONNX model name the file and the node (the NameLoc
/// the importer gave each op): "model.onnx: 'fc1': error: ...". An ONNX
/// file has no lines to point at.
LogicalResult reportAtOnnxNode(Diagnostic &d) {
  auto &os = llvm::errs();
  os << inputPath() << ": ";
  Location loc = d.getLocation();
  if (auto named = dyn_cast<NameLoc>(loc))
    os << "'" << named.getName().getValue() << "': ";
  switch (d.getSeverity()) {
  case DiagnosticSeverity::Error:
    llvm::WithColor::error(os, "");
    break;
  case DiagnosticSeverity::Warning:
    llvm::WithColor::warning(os, "");
    break;
  default:
    llvm::WithColor::note(os, "");
    break;
  }
  os << d.str() << "\n";
  for (const Diagnostic &note : d.getNotes())
    llvm::WithColor::note(os << inputPath() << ": ", "") << note.str() << "\n";
  return success();
}

int run() {
  if (!checkOptions())
    return 1;
  if (optLevel > 3) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "-O" << optLevel << " is not a level; use -O0, -O1, -O2 or -O3\n";
    return 1;
  }
  DialectRegistry registry;
  mlpc::registerEverything(registry);
  MLIRContext context(registry);
  context.disableMultithreading();    // 2-core machines: threads cost more.
  context.printOpOnDiagnostic(false); // the source line is shown instead

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(inputFile, &error);
  if (!buffer) {
    llvm::WithColor::error(llvm::errs(), "mlpc") << error << "\n";
    return 1;
  }
  bool empty = buffer->getBuffer().trim().empty();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  bool onnx =
      inputFormat == InputFormat::ONNX ||
      (inputFormat == InputFormat::Auto &&
       llvm::sys::path::extension(inputFile).equals_insensitive(".onnx"));
  std::optional<ScopedDiagnosticHandler> onnxDiagnostics;
  if (onnx)
    onnxDiagnostics.emplace(&context, reportAtOnnxNode);
  if (empty && !onnx) {
    std::string name = inputFile == "-" ? "<stdin>" : inputFile.getValue();
    emitError(FileLineColLoc::get(&context, name, 1, 1))
        << "the input is empty; expected an MLIR module with at least one "
           "public func.func entry point";
    return 1;
  }

  OwningOpRef<ModuleOp> module;
  if (onnx) {
    std::string name = entryName;
    if (name.empty())
      name = inputFile == "-" ? "model" : mlpc::entryNameFromPath(inputFile);
    module = mlpc::importOnnx(&context,
                              sourceMgr.getMemoryBuffer(1)->getMemBufferRef(),
                              inputPath(), name);
  } else if (!entryName.empty()) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--name names an ONNX model's entry point; an MLIR model names "
           "its own (@NAME)\n";
    return 1;
  } else {
    module = parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  }
  if (!module)
    return 1;
  if (!mlpc::parsePrecision(precision)) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--precision=" << precision
        << " is not a precision; use f32, bf16 or int8\n";
    return 1;
  }
  if (emitKind == Emit::MLP && precision != "f32") {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--emit=mlp prints the model as read, before --precision narrows "
           "its weights; leave out --precision (and compile the printed "
           "model with it), or see the narrowed IR with --emit=mlir\n";
    return 1;
  }
  if (emitKind == Emit::MLP) {
    std::string text;
    llvm::raw_string_ostream textStream(text);
    module->print(textStream);
    return writeOutputs(text, {}, /*gpu=*/false);
  }

  if (target == Target::NVPTX && precision != "f32") {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--precision=" << precision
        << " is not supported by --target=nvptx yet (the GPU kernels "
           "multiply f32 weights); use --precision=f32 for the GPU\n";
    return 1;
  }
  if (target == Target::NVPTX) {
#ifdef MLPC_ENABLE_GPU
    return compileForGpu(context, *module);
#else
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "this mlpc was built without the GPU target "
           "(-DMLPC_ENABLE_GPU=OFF); rebuild it with MLPC_ENABLE_GPU=ON\n";
    return 1;
#endif
  }
  if (emitKind == Emit::PTX) {
    llvm::WithColor::error(llvm::errs(), "mlpc")
        << "--emit=ptx needs --target=nvptx\n";
    return 1;
  }
  mlpc::TargetSpec target{mtriple, mcpu, mattr, optLevel};
  auto [cpuName, features] = mlpc::resolveCpu(target);
  mlpc::TargetTuning tuning = mlpc::tuningForFeatures(features);
  if (!applyKernelTile(tuning))
    return 1;
  mlpc::CpuPipelineOptions opts;
  opts.setTuning(tuning);
  opts.optLevel = optLevel;
  opts.denseStrategy = denseStrategy;
  if (!int8Product.empty())
    opts.int8Product = int8Product;
  if (!bf16Product.empty()) {
    if (bf16Product != "dot" && bf16Product != "widen") {
      llvm::WithColor::error(llvm::errs(), "mlpc")
          << "--bf16-product=" << bf16Product
          << " is not one; use dot or widen\n";
      return 1;
    }
    if (bf16Product == "dot" &&
        (!tuning.hasBf16Dot || tuning.vectorWidth != 16)) {
      llvm::WithColor::error(llvm::errs(), "mlpc")
          << "--bf16-product=dot needs a target with AVX512-BF16 (such as "
             "--mcpu=znver4 or sapphirerapids); this one has none\n";
      return 1;
    }
    opts.bf16Product = bf16Product;
  }
  opts.precision = precision;
  opts.trace = trace;
  opts.keepF32 = ArrayRef<std::string>(std::vector<std::string>(keepF32));

  // Fusion first: --stats describes the layers as the kernels get them.
  PassManager fusion(&context);
  mlpc::buildCpuFusionPipeline(fusion, opts);
  if (failed(fusion.run(*module)))
    return 1;
  std::vector<mlpc::EntryStats> stats;
  if (statsOption() != StatsFormat::None)
    stats = mlpc::collectStats(*module, tuning);
  PassManager high(&context);
  mlpc::buildCpuKernelPipeline(high, opts);
  if (failed(high.run(*module)))
    return 1;
  SmallVector<mlpc::EntrySignature> entries = mlpc::collectEntries(*module);

  if (emitKind == Emit::MLIR) {
    std::string text;
    llvm::raw_string_ostream textStream(text);
    module->print(textStream);
    int rc = writeOutputs(text, entries, /*gpu=*/false);
    if (rc == 0)
      printStats(stats); // without the scratch, which lowering plans
    return rc;
  }
  PassManager low(&context);
  mlpc::buildCpuToLLVMPipeline(low);
  if (failed(low.run(*module)))
    return 1;
  if (statsOption() != StatsFormat::None)
    mlpc::addScratch(stats, *module, statsBatch);
  int rc = emitOutputs(context, *module, target, entries, /*gpu=*/false);
  if (rc == 0)
    printStats(stats);
  return rc;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (auto llvmStats = cl::getRegisteredOptions().find("stats");
      llvmStats != cl::getRegisteredOptions().end())
    llvmStats->second->removeArgument();
  statsOption();
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "mlpc " << MLPC_VERSION_STRING << " (LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n";
  });
  cl::ParseCommandLineOptions(argc, argv, overview);
  if (runtimeLib.empty())
    runtimeLib = mlpc::defaultRuntimeArchive(argv[0]);
  return run();
}
