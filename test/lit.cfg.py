# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "MLPC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.excludes = ["Inputs", "e2e", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mlpc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

config.substitutions.append(("%mlpc_include", config.mlpc_runtime_include))
config.substitutions.append(("%mlpc_libdir", config.mlpc_runtime_lib_dir))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

tool_dirs = [config.mlpc_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["mlpc", "mlpc-opt"], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
