"""The Python mirrors agree with capi/lpgd.h (the contract) and with the library."""

from __future__ import annotations

import ctypes
import re

import pytest

from lpgd_go import Status, _lib

from conftest import HEADER

TEXT = HEADER.read_text()
CODE = re.sub(r"/\*.*?\*/", "", TEXT, flags=re.DOTALL)  # the header without comments


def defines(prefix: str) -> dict[str, int]:
    pat = re.compile(rf"^#define\s+LPGD_{prefix}(\w+)\s+(-?\d+)", re.MULTILINE)
    return {name: int(v) for name, v in pat.findall(TEXT)}


def test_status_enum_matches_header() -> None:
    header = defines("STATUS_")
    assert header, "no LPGD_STATUS_* defines found"
    assert {s.name: s.value for s in Status} == header
    assert Status.UNSOLVED == 0 and Status.BACKWARD_FAILED == 8


def test_abi_version_matches_header_and_library(lib: object) -> None:
    assert defines("")["ABI_VERSION"] == _lib.ABI_VERSION
    assert _lib.lib().lpgd_abi_version() == _lib.ABI_VERSION


@pytest.mark.parametrize(
    "prefix",
    [
        "E_",
        "LAYOUT_",
        "CONE_",
        "BACKWARD_",
        "SIDE_",
        "FALLBACK_",
        "BPQP_",
        "INFO_",
        "FLAG_",
        "TOL_",
        "BSTAT_",
    ],
)
def test_constants_match_header(prefix: str) -> None:
    header = defines(prefix)
    assert header, f"no LPGD_{prefix}* defines found"
    for name, value in header.items():
        assert getattr(_lib, prefix + name) == value, name
    mirrored = {k for k in vars(_lib) if k.startswith(prefix) and k.isupper()} - {"E_OK"}
    assert mirrored == {prefix + k for k in header}
    assert defines("")["OK"] == _lib.E_OK


def test_error_messages_from_library(lib: object) -> None:
    codes = [_lib.E_OK, *defines("E_").values()]
    messages = [_lib.error_message(c) for c in codes]
    assert all(messages) and len(set(messages)) == len(codes), messages
    assert _lib.error_message(12345) == "unknown call code"
    assert _lib.error_message(_lib.E_DATA).startswith("data error")
    # check() falls back to the library's text when Go wrote no message.
    with pytest.raises(RuntimeError, match=r"LPGD_E_HANDLE\): handle error"):
        _lib.check(_lib.E_HANDLE, None, "x")


# ---------------------------------------------------------------------------
# Structs: every typedef struct of the header has a ctypes mirror with the
# same fields, in order, of the same types.
# ---------------------------------------------------------------------------

_SCALARS = {
    "int64_t": ctypes.c_int64,
    "uint64_t": ctypes.c_uint64,
    "double": ctypes.c_double,
    "int32_t": ctypes.c_int32,
}
_MIRRORS: dict[str, type[ctypes.Structure]] = {
    "lpgd_settings": _lib.CSettings,
    "lpgd_backward_opts": _lib.BackwardOpts,
    "lpgd_cone": _lib.CCone,
    "lpgd_pattern": _lib.Pattern,
    "lpgd_structure_desc": _lib.StructureDesc,
    "lpgd_sizes": _lib.Sizes,
    "lpgd_operand": _lib.COperand,
    "lpgd_row_block": _lib.RowBlock,
    "lpgd_values": _lib.Values,
    "lpgd_solution": _lib.Solution,
    "lpgd_incoming": _lib.Incoming,
    "lpgd_gradients": _lib.Gradients,
    "lpgd_solve_args": _lib.SolveArgs,
    "lpgd_backward_args": _lib.BackwardArgs,
}


def _header_structs() -> dict[str, list[tuple[str, str, bool]]]:
    """name -> [(field, C type, is pointer)] for every typedef struct."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for body, name in re.findall(r"typedef struct \{([^}]*)\}\s*(\w+)\s*;", CODE):
        fields: list[tuple[str, str, bool]] = []
        for decl in filter(None, (d.strip() for d in body.split(";"))):
            m = re.match(r"(?:const\s+)?(\w+)\s+(.*)$", decl, re.DOTALL)
            assert m, decl
            ctype, declarators = m.groups()
            for d in declarators.split(","):
                d = d.strip()
                fields.append((d.lstrip("*").strip(), ctype, d.startswith("*")))
        out[name] = fields
    return out


def test_every_header_struct_is_mirrored() -> None:
    assert set(_header_structs()) == set(_MIRRORS)


@pytest.mark.parametrize("cname", sorted(_MIRRORS))
def test_structs_match_header(cname: str) -> None:
    pystruct = _MIRRORS[cname]
    header = _header_structs()[cname]
    assert [f[0] for f in header] == [f[0] for f in pystruct._fields_], cname
    for (name, ctype, pointer), (_, pytype) in zip(header, pystruct._fields_, strict=True):
        if pointer:
            assert pytype is ctypes.c_void_p or issubclass(pytype, ctypes._Pointer), name
            if issubclass(pytype, ctypes._Pointer) and ctype in _MIRRORS:
                assert pytype._type_ is _MIRRORS[ctype], name
        elif ctype in _MIRRORS:
            assert pytype is _MIRRORS[ctype], name
        else:
            assert pytype is _SCALARS[ctype], name
    if "size" in dict(pystruct._fields_):
        assert pystruct().size == ctypes.sizeof(pystruct)


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def _header_functions(text: str) -> dict[str, int]:
    out = {}
    for name, args in re.findall(r"\b\w+\s+\**(lpgd_\w+)\s*\(([^)]*)\)\s*;", text):
        args = args.strip()
        out[name] = 0 if args in ("", "void") else len(args.split(","))
    return out


def _split_debug() -> tuple[str, str]:
    m = re.search(r"#ifdef LPGD_DEBUG\b(.*?)#endif", CODE, re.DOTALL)
    assert m, "no LPGD_DEBUG block in lpgd.h"
    return CODE.replace(m.group(0), ""), m.group(1)


def test_function_signatures_match_header() -> None:
    public, debug = _split_debug()
    for header, table in (
        (_header_functions(public), _lib._SIGNATURES),
        (_header_functions(debug), _lib._DEBUG_SIGNATURES),
    ):
        assert set(header) == set(table)
        for name, nargs in header.items():
            assert len(table[name][1]) == nargs, name
    assert "lpgd_backward" in _header_functions(public)


def test_release_library_exports_exactly_the_public_functions(lib: object) -> None:
    # The library the package loads is a release build: every public
    # function, no debug hook (those need `-tags lpgd_debug`).
    public, _ = _split_debug()
    for name in _header_functions(public):
        assert hasattr(_lib.lib(), name), name
    assert not hasattr(_lib.lib(), "lpgd_debug_panic")
