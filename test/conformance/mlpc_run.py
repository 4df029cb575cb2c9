"""Compile an ONNX model with mlpc and call its entry point from Python:
what the ONNX tests share (a shared library of the object and mlpc's
runtime, loaded with ctypes)."""
import ctypes
import os
import subprocess

import numpy as np


class CompileError(Exception):
    pass


def compile_model(mlpc, runtime, model_path, work, flags=()):
    """mlpc MODEL --name model -o WORK/m.o; linked into WORK/m.so. Returns
    the entry point, or raises CompileError with mlpc's or cc's message."""
    os.makedirs(work, exist_ok=True)
    obj, lib = os.path.join(work, "m.o"), os.path.join(work, "m.so")
    for f in (obj, lib):
        if os.path.exists(f):
            os.remove(f)
    r = subprocess.run([mlpc, model_path, "--name", "model", "-o", obj, *flags],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise CompileError("mlpc: " + r.stderr.strip())
    r = subprocess.run(["cc", "-shared", "-o", lib, obj, runtime,
                        "-lm", "-lpthread", "-ldl"], capture_output=True, text=True)
    if r.returncode != 0:
        raise CompileError("link: " + r.stderr.strip())
    fn = ctypes.CDLL(lib).model
    fn.restype = ctypes.c_int32
    return fn


def call(fn, inputs, output_shapes):
    """Runs the entry point on float32 copies of `inputs`; returns the
    status and the outputs."""
    ins = [np.ascontiguousarray(x, dtype=np.float32) for x in inputs]
    outs = [np.zeros(s, dtype=np.float32) for s in output_shapes]
    batch = (ins + outs)[0].shape[0]
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)
    status = fn(*[ptr(a) for a in ins + outs], ctypes.c_int64(batch))
    return status, outs
