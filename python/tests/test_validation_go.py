"""Finiteness of the QP layer's data is checked by Go's read pass (issue 16), not by
a Python scan on every call; the messages stay the front end's, naming the
argument, the index and the batch element."""

from __future__ import annotations

import math

import pytest
import torch

from lpgd_go import _serial, solve_qp

from conftest import make_qp

NAMES = ("P", "q", "G", "h", "A", "b")


def _data(batched: bool) -> dict[str, torch.Tensor]:
    qp = make_qp(n=4, m_ineq=5, p=2)
    d = dict(zip(NAMES, qp.args(), strict=True))
    if batched:
        d = {k: torch.stack([v, v, v]) for k, v in d.items()}
    return d


def _first_index(name: str) -> tuple[int, ...]:
    # A position off the diagonal for the matrices, the last entry for vectors.
    return {"P": (1, 2), "q": (3,), "G": (4, 1), "h": (4,), "A": (1, 3), "b": (1,)}[name]


CASES = [
    (name, value, batched)
    for name in NAMES
    for value in (math.nan, math.inf, -math.inf)
    for batched in (False, True)
]


@pytest.mark.parametrize(("name", "value", "batched"), CASES)
def test_nonfinite_message_names_argument_index_batch(
    lib: object, name: str, value: float, batched: bool
) -> None:
    d = _data(batched)
    idx = _first_index(name)
    t = d[name].clone()
    pos = [idx, idx[::-1]] if name == "P" else [idx]  # P stays symmetric
    for i in pos:
        t[(2, *i) if batched else i] = value
    d[name] = t
    where = f"index {idx} " + ("of batch element 2" if batched else "(shared across the batch)")
    with pytest.raises(ValueError) as exc:
        solve_qp(*(d[k] for k in NAMES))
    assert str(exc.value) == f"{name} contains a non-finite value ({value}) at {where}"


def test_shared_argument_says_so(lib: object) -> None:
    d = _data(batched=True)
    d["h"] = d["h"][0].clone()
    d["h"][3] = math.nan
    with pytest.raises(ValueError) as exc:
        solve_qp(*(d[k] for k in NAMES))
    assert str(exc.value) == (
        "h contains a non-finite value (nan) at index (3,) (shared across the batch)"
    )


def test_happy_path_scans_nothing_in_python(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid data never reaches the Python finiteness scan (Go checks it);
    invalid data does, for the message."""
    calls: list[int] = []
    real = _serial.first_nonfinite

    def spy(t: torch.Tensor) -> tuple[int, ...] | None:
        calls.append(1)
        return real(t)

    monkeypatch.setattr(_serial, "first_nonfinite", spy)
    d = _data(batched=True)
    leaves = [d[k].requires_grad_(True) for k in NAMES]
    solve_qp(*leaves).sum().backward()
    assert calls == []
    d["b"] = d["b"].detach().clone()
    d["b"][1, 0] = math.inf
    with pytest.raises(ValueError, match=r"b contains a non-finite value \(inf\) at index \(0,\) "):
        solve_qp(*(d[k].detach() for k in NAMES))
    assert calls


def test_nonfinite_reported_before_psd(lib: object) -> None:
    """As before the move: a non-finite value anywhere wins over P's PSD test."""
    d = _data(batched=False)
    d["P"] = torch.diag(torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64))
    d["G"] = d["G"].clone()
    d["G"][2, 3] = math.nan
    with pytest.raises(ValueError) as exc:
        solve_qp(*(d[k] for k in NAMES))
    assert str(exc.value) == (
        "G contains a non-finite value (nan) at index (2, 3) (shared across the batch)"
    )
    d["P"] = d["P"].clone()
    d["P"][0, 0] = math.inf
    with pytest.raises(ValueError) as exc:
        solve_qp(*(d[k] for k in NAMES))
    assert str(exc.value) == (
        "P contains a non-finite value (inf) at index (0, 0) (shared across the batch)"
    )


def test_float32_nonfinite(lib: object) -> None:
    d = {k: v.to(torch.float32) for k, v in _data(batched=True).items()}
    d["q"] = d["q"].clone()
    d["q"][1, 2] = -math.inf
    with pytest.raises(ValueError) as exc:
        solve_qp(*(d[k] for k in NAMES))
    assert str(exc.value) == "q contains a non-finite value (-inf) at index (2,) of batch element 1"


def test_settings_struct_follows_assignments(lib: object) -> None:
    """The call path keeps one validated C struct per SolverSettings; assigning a
    field replaces it (the new value takes effect, a bad one is refused)."""
    from lpgd_go import SolverSettings, Status

    d = _data(batched=False)
    s = SolverSettings()
    c0 = s._c()
    assert s._c() is c0
    _x, info = solve_qp(*(d[k] for k in NAMES), settings=s, return_info=True)
    assert int(info.status) == Status.SOLVED
    s.max_iter = 1
    assert s._c() is not c0 and s._c().max_iter == 1
    # polish off: also no dual active-set start (it solves this QP at once).
    s.polish = False
    _x, info = solve_qp(*(d[k] for k in NAMES), settings=s, on_failure="nan", return_info=True)
    assert int(info.status) == Status.MAX_ITERATIONS
    s.max_iter = 0
    with pytest.raises(ValueError, match="max_iter"):
        solve_qp(*(d[k] for k in NAMES), settings=s)
    s.max_iter = 5
    assert s.to_c() is not s.to_c()  # the public method still returns a copy


def test_cone_front_end_scans_nothing_in_python(
    lib: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """solve_cone leaves finiteness to Go too; a rejected value still gets the
    front end's message."""
    from lpgd_go import Cones, solve_cone

    calls: list[int] = []
    real = _serial.first_nonfinite

    def spy(t: torch.Tensor) -> tuple[int, ...] | None:
        calls.append(1)
        return real(t)

    monkeypatch.setattr(_serial, "first_nonfinite", spy)
    qp = _data(batched=False)
    A = torch.cat([qp["A"], qp["G"]])
    b = torch.cat([qp["b"], qp["h"]]).expand(2, -1).clone()
    cones = Cones(zero=2, nonneg=5)
    solve_cone(qp["P"], qp["q"], A, b, cones)
    assert calls == []
    b[1, 6] = math.nan
    with pytest.raises(ValueError) as exc:
        solve_cone(qp["P"], qp["q"], A, b, cones)
    assert str(exc.value) == "b contains a non-finite value (nan) at index (6,) of batch element 1"
    assert calls
