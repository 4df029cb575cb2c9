"""Calls models that mlpc compiled with --emit=shared, from Python.

    import mlpc
    m = mlpc.load("digits.so")
    probs = m.digits(x)                  # numpy in, numpy out
    trace = m.digits_trace(x)            # with --trace: {"out0": ..., "z1": ...}

Pure Python over ctypes and numpy. Each entry point of the library is an
attribute of the loaded model; its inputs are converted to C-contiguous
float32 (int32 for class indices) arrays, its outputs allocated for the
batch, and a status other than MLPC_OK raises mlpc.Error (or one of its
subclasses) with the runtime's mlpc_status_string.
"""

import ctypes
import json
import os

import numpy as np

__all__ = ["load", "Model", "Entry", "Error", "BadBatchError",
           "BadIndexError", "OutOfMemoryError", "GpuError", "status_name"]

_STATUS_NAMES = {
    0: "MLPC_OK",
    1: "MLPC_ERR_NULL_POINTER",
    2: "MLPC_ERR_BAD_BATCH",
    3: "MLPC_ERR_OUT_OF_MEMORY",
    4: "MLPC_ERR_NO_GPU",
    5: "MLPC_ERR_GPU",
    6: "MLPC_ERR_OVERLAP",
    7: "MLPC_ERR_BAD_INDEX",
}


def status_name(status):
    """The enum name of a status code, e.g. "MLPC_ERR_BAD_BATCH"."""
    return _STATUS_NAMES.get(status, "status %d" % status)


class Error(RuntimeError):
    """An entry point returned a status other than MLPC_OK.

    `status` is the code, `message` the runtime's mlpc_status_string, and
    `detail` its mlpc_last_error_message (GPU failures say which call).
    """

    def __init__(self, entry, status, message, detail=""):
        self.entry, self.status = entry, status
        self.message, self.detail = message, detail
        text = "%s: %s (%s)" % (entry, message, status_name(status))
        super().__init__(text + (": " + detail if detail else ""))


class BadBatchError(Error):
    """MLPC_ERR_BAD_BATCH."""


class OutOfMemoryError(Error, MemoryError):
    """MLPC_ERR_OUT_OF_MEMORY."""


class GpuError(Error):
    """MLPC_ERR_NO_GPU or MLPC_ERR_GPU."""


class BadIndexError(Error, IndexError):
    """MLPC_ERR_BAD_INDEX: a class index outside [0, classes)."""


_ERROR_TYPES = {2: BadBatchError, 3: OutOfMemoryError, 4: GpuError,
                5: GpuError, 7: BadIndexError}

_DTYPES = {"float32": np.float32, "int32": np.int32}


class Entry:
    """One entry point: call it with one array per input.

    Returns the single output as an array, several as a tuple, and a traced
    entry's (NAME_trace) outputs as a dict keyed by their names ("out0",
    "z1", "a1", ...), in the entry's order.

    `out=` takes the outputs to write instead of new arrays, in the form
    the call returns them (an earlier call's result, say): C-contiguous
    float32 arrays of the call's shapes. Writing into the same arrays
    again saves allocating (and, for large batches, faulting in) fresh
    memory on every call.
    """

    def __init__(self, model, spec):
        self._model = model
        self.name = spec["name"]
        self.trace_of = spec.get("trace_of") or None
        self.inputs = [(tuple(i["shape"]), _DTYPES[i["dtype"]])
                       for i in spec["inputs"]]
        self.outputs = [tuple(o["shape"]) for o in spec["outputs"]]
        self.output_names = [o.get("name", "out%d" % k)
                             for k, o in enumerate(spec["outputs"])]
        self.output_layers = [o.get("layer", "") for o in spec["outputs"]]
        fn = getattr(model._lib, self.name)
        fn.restype = ctypes.c_int32
        fn.argtypes = ([ctypes.c_void_p] * (len(self.inputs) +
                                            len(self.outputs)) +
                       [ctypes.c_int64])
        self._fn = fn
        self.__doc__ = "%s(%s) -> %s" % (
            self.name,
            ", ".join("%s %s" % (np.dtype(t).name, _shape_str(s))
                      for s, t in self.inputs),
            ", ".join("%s %s" % (n, _shape_str(s))
                      for n, s in zip(self.output_names, self.outputs)))

    def __repr__(self):
        return "<mlpc entry %s>" % self.__doc__

    def _batch(self, arrays):
        """The batch the arrays agree on (the static one if none is dynamic)."""
        batch = None
        for (shape, _), a in zip(self.inputs, arrays):
            if shape[0] == -1:
                if batch is not None and a.shape[0] != batch:
                    raise ValueError(
                        "%s: the inputs disagree on the batch (%d and %d "
                        "rows)" % (self.name, batch, a.shape[0]))
                batch = a.shape[0]
        if batch is None:
            batch = self.inputs[0][0][0] if self.inputs else 1
        return batch

    def _outputs(self, batch, out):
        shapes = [tuple(batch if d == -1 else d for d in shape)
                  for shape in self.outputs]
        if out is None:
            return [np.empty(s, dtype=np.float32) for s in shapes]
        if isinstance(out, dict):
            out = [out.get(n) for n in self.output_names]
        elif isinstance(out, np.ndarray):
            out = [out]
        out = list(out)
        if len(out) != len(shapes):
            raise ValueError("%s: out= has %d array(s), the entry writes %d"
                             % (self.name, len(out), len(shapes)))
        for k, (o, s) in enumerate(zip(out, shapes)):
            if not isinstance(o, np.ndarray) or o.dtype != np.float32 or \
                    o.shape != s or not o.flags.c_contiguous or \
                    not o.flags.writeable:
                raise ValueError("%s: out= output %d must be a writable "
                                 "C-contiguous float32 array of shape %s"
                                 % (self.name, k, s))
        return out

    def __call__(self, *args, out=None):
        if len(args) != len(self.inputs):
            raise TypeError("%s takes %d input(s), got %d"
                            % (self.name, len(self.inputs), len(args)))
        arrays = []
        for k, ((shape, dtype), a) in enumerate(zip(self.inputs, args)):
            a = np.ascontiguousarray(a, dtype=dtype)
            if a.ndim == len(shape) - 1 and shape[0] == -1:
                a = a[np.newaxis]  # one row
            if a.ndim != len(shape) or any(
                    d != -1 and d != n for d, n in zip(shape, a.shape)):
                raise ValueError("%s: input %d has shape %s, expected %s"
                                 % (self.name, k, a.shape, _shape_str(shape)))
            arrays.append(a)
        batch = self._batch(arrays)
        outs = self._outputs(batch, out)
        status = self._fn(*[a.ctypes.data for a in arrays + outs], batch)
        if status != 0:
            raise self._model._error(self.name, status)
        if self.trace_of:
            return dict(zip(self.output_names, outs))
        return outs[0] if len(outs) == 1 else tuple(outs)


def _shape_str(shape):
    return "[" + ", ".join("batch" if d == -1 else str(d)
                           for d in shape) + "]"


class Model:
    """A shared library that mlpc built (--emit=shared), loaded.

    `entries` maps each entry point's name to its Entry, which is also an
    attribute of the model; `manifest` is what mlpc recorded about them.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        # RTLD_LOCAL: each model keeps its own runtime (it is linked in).
        self._lib = ctypes.CDLL(os.path.abspath(self.path),
                                mode=ctypes.RTLD_LOCAL)
        try:
            text = ctypes.cast(
                ctypes.addressof(ctypes.c_char.in_dll(self._lib,
                                                      "mlpc_manifest")),
                ctypes.c_char_p).value
        except ValueError:
            raise ValueError(
                "%s has no mlpc_manifest: build it with mlpc --emit=shared"
                % self.path) from None
        self.manifest = json.loads(text.decode("utf-8"))
        for name, restype in (("mlpc_status_string", ctypes.c_char_p),
                              ("mlpc_last_error_message", ctypes.c_char_p),
                              ("mlpc_runtime_version", ctypes.c_char_p),
                              ("mlpc_get_num_threads", ctypes.c_int32)):
            getattr(self._lib, name).restype = restype
        self._lib.mlpc_status_string.argtypes = [ctypes.c_int32]
        self._lib.mlpc_set_num_threads.argtypes = [ctypes.c_int32]
        self._lib.mlpc_set_num_threads.restype = None
        self.entries = {}
        for spec in self.manifest["entries"]:
            entry = Entry(self, spec)
            self.entries[entry.name] = entry
            setattr(self, entry.name, entry)

    def __repr__(self):
        return "<mlpc model %s: %s>" % (self.path, ", ".join(self.entries))

    def status_string(self, status):
        """The runtime's mlpc_status_string(status)."""
        return self._lib.mlpc_status_string(status).decode("utf-8")

    @property
    def num_threads(self):
        """The model's thread pool size (mlpc_get_num_threads)."""
        return self._lib.mlpc_get_num_threads()

    @num_threads.setter
    def num_threads(self, n):
        self._lib.mlpc_set_num_threads(int(n))

    def _error(self, entry, status):
        detail = self._lib.mlpc_last_error_message().decode("utf-8")
        cls = _ERROR_TYPES.get(status, Error)
        return cls(entry, status, self.status_string(status), detail)


def load(path):
    """Loads a model that mlpc compiled with --emit=shared."""
    return Model(path)
