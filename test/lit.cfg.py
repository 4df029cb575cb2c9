# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "MLPC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.excludes = ["Inputs", "lit.local.cfg", "e2e", "unit", "fuzz", "export_roundtrip.py", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlpc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

config.substitutions.append(("%mlpc_include", config.mlpc_runtime_include))
config.substitutions.append(("%mlpc_libdir", config.mlpc_runtime_lib_dir))
# Apps link the runtime, which a sanitizer build instruments: %cc is then a
# one-word wrapper that adds the sanitizers (tests pass %cc as one argument).
cc = config.c_compiler
if config.mlpc_sanitize:
    os.makedirs(config.test_exec_root, exist_ok=True)
    cc = os.path.join(config.test_exec_root, "cc-sanitized")
    with open(cc, "w") as f:
        f.write('#!/bin/sh\nexec "%s" -fsanitize=%s "$@"\n'
                % (config.c_compiler, config.mlpc_sanitize))
    os.chmod(cc, 0o755)
    config.environment["ASAN_OPTIONS"] = "detect_leaks=1"
    config.available_features.add("sanitizer")
config.substitutions.append(("%cc", cc))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

tool_dirs = [config.mlpc_tools_dir, config.llvm_tools_dir]
# llc: LLVM 22's (an older one on PATH cannot read this IR).
llvm_config.add_tool_substitutions(["mlpc", "mlpc-opt", "llc"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.substitutions.append(("%mlpc_src", config.mlpc_src_dir))
# The build tree, which cmake --install installs from.
config.substitutions.append(("%mlpc_obj_root", config.mlpc_obj_root))
config.substitutions.append(("%mlpc_bin", os.path.join(config.mlpc_tools_dir, "mlpc")))
# Debian's python3 (with python3-sklearn), not a virtualenv's or pyenv's.
config.substitutions.append(("%python", "/usr/bin/python3"))

# The NVPTX backend is built (-DMLPC_ENABLE_GPU=ON).
if config.mlpc_enable_gpu.upper() in ("1", "ON", "TRUE", "YES"):
    config.available_features.add("mlpc-gpu")

# GPU features. `ptxas`: the CUDA toolkit's assembler is available.
# `cuda-gpu`: a CUDA driver with at least one device (then the no-GPU tests
# do not apply).
import shutil
if shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas") or \
        os.path.exists(os.path.join(os.environ.get("CUDA_PATH", "/nonexistent"), "bin/ptxas")):
    config.available_features.add("ptxas")


def _has_cuda_gpu():
    try:
        import ctypes
        lib = ctypes.CDLL("libcuda.so.1")
        if lib.cuInit(0) != 0:
            return False
        count = ctypes.c_int(0)
        return lib.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
    except (OSError, AttributeError):
        return False


if _has_cuda_gpu():
    config.available_features.add("cuda-gpu")
