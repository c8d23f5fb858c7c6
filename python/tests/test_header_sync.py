"""The Python mirrors agree with capi/lpgd.h (the contract)."""

from __future__ import annotations

import ctypes
import re

import pytest

from lpgd_go import Status, _lib

from conftest import HEADER

TEXT = HEADER.read_text()


def defines(prefix: str) -> dict[str, int]:
    pat = re.compile(rf"^#define\s+LPGD_{prefix}(\w+)\s+(-?\d+)", re.MULTILINE)
    return {name: int(v) for name, v in pat.findall(TEXT)}


def test_status_enum_matches_header() -> None:
    header = defines("STATUS_")
    assert header, "no LPGD_STATUS_* defines found"
    assert {s.name: s.value for s in Status} == header
    assert Status.UNSOLVED == 0 and Status.BACKWARD_FAILED == 8


def test_abi_version_matches_header() -> None:
    assert defines("")["ABI_VERSION"] == _lib.ABI_VERSION


@pytest.mark.parametrize(
    ("prefix", "py_prefix"),
    [
        ("E_", "E_"),
        ("LAYOUT_", "LAYOUT_"),
        ("BACKWARD_", "BACKWARD_"),
        ("SIDE_", "SIDE_"),
        ("FALLBACK_", "FALLBACK_"),
        ("BPQP_", "BPQP_"),
        ("INFO_", "INFO_"),
        ("FLAG_", "FLAG_"),
    ],
)
def test_constants_match_header(prefix: str, py_prefix: str) -> None:
    header = defines(prefix)
    assert header, f"no LPGD_{prefix}* defines found"
    for name, value in header.items():
        assert getattr(_lib, py_prefix + name) == value, name
    mirrored = {k for k in vars(_lib) if k.startswith(py_prefix) and k.isupper()} - {"E_OK"}
    assert mirrored == {py_prefix + k for k in header}
    assert defines("")["OK"] == _lib.E_OK


_C_TYPES = {"int64_t": ctypes.c_int64, "double": ctypes.c_double, "int32_t": ctypes.c_int32}


@pytest.mark.parametrize(
    ("cname", "pystruct"),
    [("lpgd_settings", _lib.CSettings), ("lpgd_backward_opts", _lib.BackwardOpts)],
)
def test_structs_match_header(cname: str, pystruct: type[ctypes.Structure]) -> None:
    m = re.search(r"typedef struct \{([^}]*)\}\s*" + cname + ";", TEXT)
    assert m, cname
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.DOTALL)
    fields = re.findall(r"(\w+)\s+(\w+)\s*;", body)
    assert [(n, _C_TYPES[t]) for t, n in fields] == list(pystruct._fields_)
    assert pystruct().size == ctypes.sizeof(pystruct)


def _header_functions() -> dict[str, int]:
    body = re.sub(r"/\*.*?\*/", "", TEXT, flags=re.DOTALL)
    out = {}
    for name, args in re.findall(r"\b\w+\s+\**(lpgd_\w+)\s*\(([^)]*)\)\s*;", body):
        args = args.strip()
        out[name] = 0 if args in ("", "void") else len(args.split(","))
    return out


def test_function_signatures_match_header() -> None:
    header = _header_functions()
    assert "lpgd_backward" in header and "lpgd_solve" in header
    assert set(header) == set(_lib._SIGNATURES)
    for name, nargs in header.items():
        assert len(_lib._SIGNATURES[name][1]) == nargs, name
