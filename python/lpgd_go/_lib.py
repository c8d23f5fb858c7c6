"""ctypes loader for liblpgd.so, the Go shared library behind lpgd_go.

The C header ``capi/lpgd.h`` is the contract: every constant, struct and
function signature below mirrors it. The library is loaded lazily on the first
call. Because the Go runtime does not survive ``fork()``, a process that forked
after the library was loaded refuses to call into it from the child.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_uint64, c_void_p
from pathlib import Path

__all__ = [
    "ABI_VERSION",
    "BackwardArgs",
    "BackwardOpts",
    "CCone",
    "COperand",
    "CSettings",
    "Gradients",
    "Incoming",
    "Pattern",
    "RowBlock",
    "Sizes",
    "Solution",
    "SolveArgs",
    "StructureDesc",
    "Values",
    "check",
    "err_buffer",
    "error_message",
    "get_num_threads",
    "lib",
    "lib_path",
    "set_num_threads",
]

# ---------------------------------------------------------------------------
# Constants of lpgd.h (kept in sync by python/tests/test_header_sync.py).
# ---------------------------------------------------------------------------

ABI_VERSION = 9

E_OK = 0
E_ARGUMENT = -1
E_DATA = -2
E_SETTINGS = -3
E_HANDLE = -4
E_INTERNAL = -5

LAYOUT_CSC = 0
LAYOUT_DENSE = 1
LAYOUT_NONE = 2

CONE_ZERO = 0
CONE_NONNEG = 1
CONE_SOC = 2
CONE_PSD = 3
CONE_EXP = 4
CONE_POW = 5

BACKWARD_KKT = 0
BACKWARD_BPQP = 1
BACKWARD_LPGD = 2

SIDE_RIGHT = 0
SIDE_LEFT = 1
SIDE_CENTRAL = 2

FALLBACK_NONE = 0
FALLBACK_OTHER_SIDE = 1
FALLBACK_SMALLER_TAU = 2

BPQP_DIRECT = 0
BPQP_ADMM = 1

INFO_ITER = 0
INFO_PRIMAL_OBJ = 1
INFO_DUAL_OBJ = 2
INFO_RES_PRIMAL = 3
INFO_RES_DUAL = 4
INFO_GAP_ABS = 5
INFO_GAP_REL = 6
INFO_POLISHED = 7
INFO_TOLERANCE = 8
INFO_COLS = 9

TOL_NONE = 0
TOL_REDUCED = 1
TOL_FULL = 2

FLAG_REGULARIZED = 1
FLAG_WEAKLY_ACTIVE = 2
FLAG_FAST_PATH = 4
FLAG_FALLBACK_USED = 8
FLAG_ZERO_GRAD = 16
FLAG_FACTOR_REUSED = 32

BSTAT_CHANGES = 0
BSTAT_WARM_SOLVES = 1
BSTAT_IPM_SOLVES = 2
BSTAT_FACTOR_SOLVES = 3
BSTAT_TAU = 4
BSTAT_COLS = 5

ERRLEN = 1024

_ERROR_NAMES = {
    E_ARGUMENT: "LPGD_E_ARGUMENT",
    E_DATA: "LPGD_E_DATA",
    E_SETTINGS: "LPGD_E_SETTINGS",
    E_HANDLE: "LPGD_E_HANDLE",
    E_INTERNAL: "LPGD_E_INTERNAL",
}


class CSettings(ctypes.Structure):
    """Mirror of ``lpgd_settings``."""

    _fields_ = [
        ("size", c_int64),
        ("max_iter", c_int64),
        ("tol_gap_abs", c_double),
        ("tol_gap_rel", c_double),
        ("tol_feas", c_double),
        ("tol_infeas_abs", c_double),
        ("tol_infeas_rel", c_double),
        ("reduced_tol_gap", c_double),
        ("reduced_tol_feas", c_double),
        ("static_reg", c_double),
        ("iter_refine_max", c_int64),
        ("max_step_fraction", c_double),
        ("equilibrate", c_int64),
        ("equilibrate_iters", c_int64),
        ("linear_solver", c_int64),
        ("time_limit", c_double),
        ("call_time_limit", c_double),
        ("cancel_token", c_uint64),
        ("polish", c_int64),
        ("accept_almost_solved", c_int64),
    ]

    def __init__(self, **kwargs: float) -> None:
        super().__init__(size=ctypes.sizeof(CSettings), **kwargs)


class BackwardOpts(ctypes.Structure):
    """Mirror of ``lpgd_backward_opts``."""

    _fields_ = [
        ("size", c_int64),
        ("method", c_int64),
        ("tau", c_double),
        ("rho", c_double),
        ("side", c_int64),
        ("fallback", c_int64),
        ("fast_path", c_int64),
        ("max_halvings", c_int64),
        ("bpqp_solver", c_int64),
        ("active_tol", c_double),
        ("admm_eps", c_double),
        ("admm_max_iter", c_int64),
        ("admm_rho", c_double),
        ("tau_auto", c_int64),
        ("tau_target", c_double),
        ("rho_auto", c_int64),
        ("rho_target", c_double),
    ]

    def __init__(self, **kwargs: float) -> None:
        super().__init__(size=ctypes.sizeof(BackwardOpts), **kwargs)


class CCone(ctypes.Structure):
    """Mirror of ``lpgd_cone``: one cone block {kind, dim, param} in row order
    (param: the power cone's α, 0 for the other kinds)."""

    _fields_ = [("kind", c_int64), ("dim", c_int64), ("param", ctypes.c_double)]


class Pattern(ctypes.Structure):
    """Mirror of ``lpgd_pattern``: a matrix layout and, for CSC, its pattern."""

    _fields_ = [("layout", c_int64), ("colptr", POINTER(c_int64)), ("rowval", POINTER(c_int64))]


class StructureDesc(ctypes.Structure):
    """Mirror of ``lpgd_structure_desc``."""

    _fields_ = [
        ("n", c_int64),
        ("cones", POINTER(CCone)),
        ("ncones", c_int64),
        ("P", Pattern),
        ("A", Pattern),
        ("linear_solver", c_int64),
    ]


class Sizes(ctypes.Structure):
    """Mirror of ``lpgd_sizes``."""

    _fields_ = [
        ("n", c_int64),
        ("m", c_int64),
        ("p_nnz", c_int64),
        ("a_nnz", c_int64),
        ("dense_kkt", c_int64),
        ("factor_len", c_int64),
    ]


class COperand(ctypes.Structure):
    """Mirror of ``lpgd_operand``: a batched input {data, stride (0 = shared)}."""

    _fields_ = [("data", c_void_p), ("stride", c_int64)]


class RowBlock(ctypes.Structure):
    """Mirror of ``lpgd_row_block``: consecutive rows of [A | b]."""

    _fields_ = [("rows", c_int64), ("A", COperand), ("b", COperand)]


class Values(ctypes.Structure):
    """Mirror of ``lpgd_values``."""

    _fields_ = [
        ("P", COperand),
        ("c", COperand),
        ("blocks", POINTER(RowBlock)),
        ("nblocks", c_int64),
        ("psd_sym_tol", c_double),
        ("psd_shift", c_double),
    ]


#: ``lpgd_values`` and ``lpgd_row_block`` as int64 words (``_core.values``
#: packs a call's values and row blocks into one int64 array in this layout).
VALUES_WORDS = 8
ROW_BLOCK_WORDS = 5
assert ctypes.sizeof(Values) == 8 * VALUES_WORDS and Values.blocks.offset == 32
assert ctypes.sizeof(RowBlock) == 8 * ROW_BLOCK_WORDS and RowBlock.b.offset == 24


class Solution(ctypes.Structure):
    """Mirror of ``lpgd_solution``."""

    _fields_ = [
        ("x", c_void_p),
        ("y", c_void_p),
        ("s", c_void_p),
        ("status", c_void_p),
        ("info", c_void_p),
        ("factor", c_void_p),
        ("factor_len", c_int64),
    ]


class Incoming(ctypes.Structure):
    """Mirror of ``lpgd_incoming``."""

    _fields_ = [("gx", c_void_p), ("gy", c_void_p), ("gs", c_void_p)]


class Gradients(ctypes.Structure):
    """Mirror of ``lpgd_gradients``."""

    _fields_ = [
        ("gP", c_void_p),
        ("gc", c_void_p),
        ("gA", c_void_p),
        ("gb", c_void_p),
        ("status", c_void_p),
        ("flags", c_void_p),
        ("stats", c_void_p),
        ("block_major", c_int64),
    ]


#: ``lpgd_solution``, ``lpgd_incoming`` and ``lpgd_gradients`` as int64 words
#: (``_core.solve`` and ``_core.backward`` write them into the call's buffer).
assert (ctypes.sizeof(Solution), ctypes.sizeof(Incoming), ctypes.sizeof(Gradients)) == (56, 24, 64)


class SolveArgs(ctypes.Structure):
    """Mirror of ``lpgd_solve_args`` (lpgd_solve's arguments; lpgd_solve_packed)."""

    _fields_ = [
        ("handle", c_uint64),
        ("settings", c_void_p),
        ("batch", c_int64),
        ("values", c_void_p),
        ("out", c_void_p),
        ("err", c_void_p),
        ("errlen", c_int64),
    ]


class BackwardArgs(ctypes.Structure):
    """Mirror of ``lpgd_backward_args`` (lpgd_backward's arguments;
    lpgd_backward_packed)."""

    _fields_ = [
        ("handle", c_uint64),
        ("settings", c_void_p),
        ("opts", c_void_p),
        ("batch", c_int64),
        ("values", c_void_p),
        ("forward", c_void_p),
        ("incoming", c_void_p),
        ("out", c_void_p),
        ("err", c_void_p),
        ("errlen", c_int64),
    ]


#: ``lpgd_solve_args`` and ``lpgd_backward_args`` as int64 words: ``_core``
#: writes them right after the call's ``out`` struct (lpgd_solution,
#: lpgd_gradients) in the call's buffer, and ``_interrupt.run`` passes their
#: address to the one-pointer entry (see ``PACKED``).
PACKED_SOLVE_WORDS = 7
PACKED_BACKWARD_WORDS = 10
assert ctypes.sizeof(SolveArgs) == 8 * PACKED_SOLVE_WORDS
assert ctypes.sizeof(BackwardArgs) == 8 * PACKED_BACKWARD_WORDS

_P_I64 = POINTER(c_int64)
_P_I32 = POINTER(c_int32)
_P_DBL = POINTER(c_double)
_P_U64 = POINTER(c_uint64)
_P_SET = POINTER(CSettings)
_P_OPT = POINTER(BackwardOpts)
_ERR = [c_char_p, c_int64]

# name -> (restype, argtypes), one entry per function of lpgd.h (checked by
# python/tests/test_header_sync.py). Data arrays inside the structs are
# c_void_p (tensor.data_ptr()); so is lpgd_values (see VALUES_WORDS).
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "lpgd_abi_version": (c_int32, []),
    "lpgd_error_message": (c_char_p, [c_int32]),
    "lpgd_set_num_threads": (c_int32, [c_int64]),
    "lpgd_get_num_threads": (c_int64, []),
    "lpgd_default_settings": (c_int32, [_P_SET]),
    "lpgd_default_backward": (c_int32, [_P_OPT]),
    "lpgd_cancel_token_new": (c_int32, [_P_U64]),
    "lpgd_cancel": (c_int32, [c_uint64]),
    "lpgd_cancel_token_free": (c_int32, [c_uint64]),
    "lpgd_cancel_token_count": (c_int64, []),
    "lpgd_structure_new": (c_int32, [POINTER(StructureDesc), _P_U64, *_ERR]),
    "lpgd_structure_free": (c_int32, [c_uint64]),
    "lpgd_handle_count": (c_int64, []),
    "lpgd_check_psd": (
        c_int32,
        # info (int32_t *) as an address: numpy's data_as costs more than the call.
        [c_int64, c_int64, POINTER(COperand), c_double, c_double, _P_I64, _P_DBL, c_void_p, *_ERR],
    ),
    "lpgd_structure_info": (c_int32, [c_uint64, POINTER(Sizes)]),
    "lpgd_solve": (
        c_int32,
        # out: an address (the struct's words sit in the call's output buffer).
        [c_uint64, _P_SET, c_int64, c_void_p, c_void_p, *_ERR],
    ),
    "lpgd_backward": (
        c_int32,
        [
            c_uint64,
            _P_SET,
            _P_OPT,
            c_int64,
            c_void_p,  # lpgd_values: byref(Values) or _core.values' packed words
            # forward, incoming, out: addresses of the structs' words (in the
            # call's output buffer; the Solution, Incoming and Gradients layouts)
            c_void_p,
            c_void_p,
            c_void_p,
            *_ERR,
        ],
    ),
    "lpgd_build_info": (c_int32, [c_char_p, c_int64]),
    # One pointer (ctypes converts one argument instead of 7 or 10): the
    # address of the call's lpgd_solve_args / lpgd_backward_args words.
    "lpgd_solve_packed": (c_int32, [c_void_p]),
    "lpgd_backward_packed": (c_int32, [c_void_p]),
}

#: The one-pointer twin of a positional entry, set on the positional
#: function object as its ``PACKED`` attribute when the library loads: (the
#: packed entry, the index in ``_interrupt.run``'s ``args`` of the call's
#: ``out`` argument, the size in bytes of that struct). A caller of
#: ``_interrupt.run`` with one of these entries writes the call's
#: arguments (``lpgd_*_args``) right after its ``out`` struct.
_PACKED_TWINS = {
    "lpgd_solve": ("lpgd_solve_packed", 2, ctypes.sizeof(Solution)),
    "lpgd_backward": ("lpgd_backward_packed", 5, ctypes.sizeof(Gradients)),
}
PACKED = "lpgd_packed"

# Exported only by a library built with `go build -tags lpgd_debug` (the
# tests' debug build); bound when present.
_DEBUG_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "lpgd_debug_panic": (c_int32, [c_int32, c_int64]),
}

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_load_pid: int | None = None
_forked_child = False

FORK_MESSAGE = (
    "lpgd_go: the Go runtime inside liblpgd.so does not survive fork(); this process is a "
    "forked child of a process that had already loaded it. Use the multiprocessing start "
    'method "spawn" or "forkserver" instead, e.g. multiprocessing.set_start_method("spawn") '
    'or torch.utils.data.DataLoader(..., multiprocessing_context="spawn").'
)


def _after_fork_in_child() -> None:
    global _forked_child
    if _lib is not None:
        _forked_child = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def library_name(platform: str = sys.platform) -> str:
    """File name of the shared library that ``go build -buildmode=c-shared`` makes on a
    platform: ``liblpgd.so`` (Linux and other ELF systems), ``liblpgd.dylib`` (macOS),
    ``lpgd.dll`` (Windows). setup.py builds the same name."""
    if platform == "darwin":
        return "liblpgd.dylib"
    if platform in ("win32", "cygwin"):
        return "lpgd.dll"
    return "liblpgd.so"


def lib_path() -> Path:
    """Path of the shared library: ``$LPGD_GO_LIB`` or the packaged ``_lib/<library_name()>``."""
    env = os.environ.get("LPGD_GO_LIB")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "_lib" / library_name()


_getpid = os.getpid


def check_fork() -> None:
    """Raise RuntimeError in a forked child of a process that loaded the library."""
    if _forked_child or (_load_pid is not None and _load_pid != _getpid()):
        raise RuntimeError(FORK_MESSAGE)


def lib() -> ctypes.CDLL:
    """Return the loaded library, loading it on first use.

    Raises RuntimeError in a forked child of a process that loaded the library,
    and when the library file is missing or has the wrong ABI version.
    """
    if _lib is not None and not _forked_child and _load_pid == _getpid():
        return _lib  # loaded in this process: check_fork's test without its frame
    check_fork()
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            _load()
    assert _lib is not None
    return _lib


def _load() -> None:
    global _lib, _load_pid
    path = lib_path()
    if not path.is_file():
        raise RuntimeError(
            f"lpgd_go: shared library not found at {path}. Build it from the repository root "
            "with `pip install -e .` (or `make build`, i.e. "
            "`go build -buildmode=c-shared -o python/lpgd_go/_lib/liblpgd.so ./capi`), "
            "or point LPGD_GO_LIB at an existing liblpgd.so."
        )
    try:
        handle = ctypes.CDLL(str(path))
    except OSError as exc:
        raise RuntimeError(f"lpgd_go: cannot load {path}: {exc}") from exc
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(handle, name)
        except AttributeError as exc:
            raise RuntimeError(
                f"lpgd_go: {path} does not export {name}; rebuild it (`pip install -e .`)"
            ) from exc
        fn.restype = restype
        fn.argtypes = argtypes
    for name, (restype, argtypes) in _DEBUG_SIGNATURES.items():
        fn = getattr(handle, name, None)
        if fn is not None:
            fn.restype = restype
            fn.argtypes = argtypes
    for name, (twin, index, size) in _PACKED_TWINS.items():
        setattr(getattr(handle, name), PACKED, (getattr(handle, twin), index, size))
    version = handle.lpgd_abi_version()
    if version != ABI_VERSION:
        raise RuntimeError(
            f"lpgd_go: {path} has ABI version {version}, this package needs {ABI_VERSION}; "
            "rebuild the library (`pip install -e .`)"
        )
    _lib = handle
    _load_pid = os.getpid()


def is_loaded() -> bool:
    """Whether the library has been loaded in this process."""
    return _lib is not None and not _forked_child


_tls = threading.local()


def err_buffer() -> ctypes.Array[ctypes.c_char]:
    """This thread's error buffer of ERRLEN bytes, emptied (one per thread, made
    once: a call reads it before the thread makes its next call)."""
    try:
        buf: ctypes.Array[ctypes.c_char] = _tls.err
    except AttributeError:
        buf = _tls.err = ctypes.create_string_buffer(ERRLEN)
    buf[0] = b"\0"
    return buf


def error_message(code: int) -> str:
    """The library's description of a call code (lpgd_error_message)."""
    return bytes(lib().lpgd_error_message(code)).decode("utf-8", "replace")


def check(rc: int, err: ctypes.Array[ctypes.c_char] | None, what: str) -> None:
    """Raise for a negative call code: ValueError for argument, data and settings
    errors, RuntimeError otherwise, with the message Go wrote into err (or the
    library's description of the code when there is none)."""
    if rc == E_OK:
        return
    msg = err.value.decode("utf-8", "replace") if err is not None else ""
    if not msg:
        msg = error_message(rc)
    name = _ERROR_NAMES.get(rc, f"code {rc}")
    text = f"lpgd_go: {what} failed ({name}): {msg}"
    if rc in (E_ARGUMENT, E_DATA, E_SETTINGS):
        raise ValueError(text)
    raise RuntimeError(text)


def set_num_threads(n: int) -> None:
    """Set the number of worker goroutines a batch is split over (n <= 0: number of CPUs)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    check(lib().lpgd_set_num_threads(n), None, "lpgd_set_num_threads")


def get_num_threads() -> int:
    """Number of worker goroutines a batch is split over."""
    return int(lib().lpgd_get_num_threads())


def default_settings() -> CSettings:
    """The solver defaults as reported by Go (lpgd_default_settings)."""
    out = CSettings()
    check(lib().lpgd_default_settings(ctypes.byref(out)), None, "lpgd_default_settings")
    return out


def default_backward() -> BackwardOpts:
    """The backward defaults as reported by Go (lpgd_default_backward)."""
    out = BackwardOpts()
    check(lib().lpgd_default_backward(ctypes.byref(out)), None, "lpgd_default_backward")
    return out


def handle_count() -> int:
    """Number of live structure handles in the library (for leak tests)."""
    return int(lib().lpgd_handle_count())
