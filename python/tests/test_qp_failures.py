"""Failed samples (on_failure="raise" / "nan") and input validation."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from lpgd_go import SolverError, Status, solve_qp

from conftest import TIGHT, make_qp, run_on_debug_lib


def _mixed_batch() -> dict[str, torch.Tensor]:
    """Three QPs sharing P, q, G; sample 1 has x0 <= -1 and x0 >= 1 (infeasible)."""
    qp = make_qp(n=3, m_ineq=4, p=0, n_active=1, seed=50)
    G = torch.cat([qp.G, torch.tensor([[1.0, 0, 0], [-1.0, 0, 0]], dtype=torch.float64)])
    h_ok = torch.cat([qp.h, torch.tensor([10.0, 10.0], dtype=torch.float64)])
    h_bad = torch.cat([qp.h, torch.tensor([-1.0, -1.0], dtype=torch.float64)])
    h = torch.stack([h_ok, h_bad, h_ok + 0.1])
    return {"P": qp.P, "q": qp.q, "G": G, "h": h}


def test_raise_names_index_and_status(lib: object) -> None:
    d = _mixed_batch()
    with pytest.raises(SolverError, match=r"\[1\].*primal_infeasible") as exc:
        solve_qp(d["P"], d["q"], d["G"], d["h"], settings=TIGHT)
    assert exc.value.indices == [1]
    assert exc.value.status.tolist() == [1, 2, 1]
    assert isinstance(exc.value, RuntimeError)


def test_raise_unbatched(lib: object) -> None:
    d = _mixed_batch()
    with pytest.raises(SolverError, match="primal_infeasible"):
        solve_qp(d["P"], d["q"], d["G"], d["h"][1])


def test_nan_mode_rows_and_gradients(lib: object) -> None:
    d = _mixed_batch()
    q = d["q"].clone().requires_grad_()
    G = d["G"].clone().requires_grad_()
    h = d["h"].clone().requires_grad_()
    x, info = solve_qp(d["P"], q, G, h, settings=TIGHT, on_failure="nan", return_info=True)
    assert info.status.tolist() == [Status.SOLVED, Status.PRIMAL_INFEASIBLE, Status.SOLVED]
    assert torch.isnan(x[1]).all() and torch.isfinite(x[[0, 2]]).all()
    assert torch.isnan(info.ineq_duals[1]).all() and torch.isnan(info.objective[1])
    w = torch.tensor([[1.0, -2.0, 0.5], [3.0, 3.0, 3.0], [0.3, 0.2, -1.0]], dtype=torch.float64)
    torch.nan_to_num(w * x).sum().backward()
    assert torch.isfinite(q.grad).all() and torch.isfinite(G.grad).all()
    assert (h.grad[1] == 0).all()

    # The other samples get exactly the gradients they get on their own.
    gq = torch.zeros_like(q)
    gG = torch.zeros_like(G)
    for i in (0, 2):
        qi, Gi, hi = (t.detach().clone().requires_grad_() for t in (d["q"], d["G"], d["h"][i]))
        xi = solve_qp(d["P"], qi, Gi, hi, settings=TIGHT)
        (w[i] * xi).sum().backward()
        gq += qi.grad
        gG += Gi.grad
        torch.testing.assert_close(x[i].detach(), xi.detach(), rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(h.grad[i], hi.grad, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(q.grad, gq, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(G.grad, gG, rtol=1e-9, atol=1e-10)


def test_dual_infeasible_status(lib: object) -> None:
    # LP unbounded below: min -x s.t. x >= 0.
    q = torch.tensor([-1.0], dtype=torch.float64)
    G = torch.tensor([[-1.0]], dtype=torch.float64)
    h = torch.tensor([0.0], dtype=torch.float64)
    x, info = solve_qp(None, q, G, h, on_failure="nan", return_info=True)
    assert int(info.status) == Status.DUAL_INFEASIBLE and torch.isnan(x).all()
    with pytest.raises(SolverError, match="dual_infeasible"):
        solve_qp(None, q, G, h)


@pytest.mark.parametrize(
    "case",
    [
        # no row limits the direction d (Pd = 0, Ad = 0): the KKT system is
        # singular along it (these ended numerical_error)
        ("no rows", None, [1.0, 1.0], None, None, None, None),
        ("empty column", None, [1.0, 0.0], [[0.0, 1.0]], [1.0], None, None),
        ("equality null space", None, [1.0, 0.0], None, None, [[1.0, 1.0]], [0.0]),
        (
            "singular P",
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
            [0.0, 1.0, -1.0],
            [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0]],
            [1.0, 1.0],
            None,
            None,
        ),
    ],
    ids=lambda c: c[0],
)
def test_dual_infeasible_unlimited_direction(lib: object, case: tuple[Any, ...]) -> None:
    """Unbounded along a direction no row limits: dual_infeasible, as Clarabel
    says (these ended numerical_error at the first step)."""
    _, P, q, G, h, A, b = case
    t = lambda v: None if v is None else torch.tensor(v, dtype=torch.float64)  # noqa: E731
    x, info = solve_qp(t(P), t(q), t(G), t(h), t(A), t(b), on_failure="nan", return_info=True)
    assert int(info.status) == Status.DUAL_INFEASIBLE and torch.isnan(x).all()
    with pytest.raises(SolverError, match="dual_infeasible"):
        solve_qp(t(P), t(q), t(G), t(h), t(A), t(b))


def test_max_iterations_status(lib: object) -> None:
    qp = make_qp()
    # polish off: also no dual active-set start, which solves this small QP
    # before any interior-point iteration.
    one = {"max_iter": 1, "polish": False}
    x, info = solve_qp(*qp.args(), settings=one, on_failure="nan", return_info=True)
    assert int(info.status) == Status.MAX_ITERATIONS and torch.isnan(x).all()


# ---------------------------------------------------------------------------
# Bad inputs: ValueErrors naming the argument.
# ---------------------------------------------------------------------------


def _base() -> dict[str, torch.Tensor]:
    qp = make_qp(n=4, m_ineq=5, p=1)
    return dict(zip(("P", "q", "G", "h", "A", "b"), qp.args(), strict=True))


def _nan_at(name: str, idx: tuple[int, ...], batched: bool = False):
    def mutate(d: dict[str, torch.Tensor]) -> None:
        t = d[name].clone()
        if batched:
            t = torch.stack([t, t, t])
        t[idx] = float("nan")
        d[name] = t

    return mutate


BAD_INPUTS = [
    ("q-3d", lambda d: d.update(q=d["q"].reshape(1, 1, 4)), r"q must have shape \(n,\)"),
    (
        "P-shape",
        lambda d: d.update(P=d["P"][:3, :3]),
        r"P must have shape \(n, n\) or \(batch, n, n\) with n=4 \(the length of q\), got",
    ),
    (
        "G-cols",
        lambda d: d.update(G=d["G"][:, :3]),
        r"G must have shape.*with m_ineq=5, n=4 \(the length of q\), got",
    ),
    (
        "h-len",
        lambda d: d.update(h=d["h"][:4]),
        r"h must have shape.*m_ineq=5 \(G's number of rows\)",
    ),
    ("A-cols", lambda d: d.update(A=d["A"][:, :2]), r"A must have shape"),
    ("b-len", lambda d: d.update(b=torch.zeros(3, dtype=torch.float64)), r"b must have shape.*p=1"),
    ("h-missing", lambda d: d.update(h=None), r"G and h"),
    ("b-missing", lambda d: d.update(b=None), r"A and b"),
    (
        "batch-mismatch",
        lambda d: d.update(q=d["q"].expand(3, 4), h=d["h"].expand(2, 5)),
        r"batch sizes.*q has 3.*h has 2",
    ),
    ("q-nan", _nan_at("q", (2,)), r"q contains a non-finite value \(nan\) at index \(2,\)"),
    (
        "h-inf",
        lambda d: d["h"].__setitem__(1, float("inf")),
        r"h contains a non-finite value \(inf\)",
    ),
    (
        "G-nan-batched",
        _nan_at("G", (2, 1, 3), batched=True),
        r"G .*index \(1, 3\) of batch element 2",
    ),
    ("P-nan", _nan_at("P", (0, 1)), r"P contains a non-finite"),
    ("P-asym", lambda d: d["P"].__setitem__((0, 1), d["P"][0, 1] + 0.1), r"P is not symmetric"),
    (
        "P-not-psd",
        lambda d: d.update(P=torch.diag(torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64))),
        r"P is not positive semidefinite",
    ),
    (
        "P-not-psd-batched",
        lambda d: d.update(
            P=torch.stack(
                [d["P"], torch.diag(torch.tensor([1.0, 1, 1, -1e-3], dtype=torch.float64))]
            )
        ),
        r"P \(batch element 1\) is not positive semidefinite",
    ),
    ("q-complex", lambda d: d.update(q=d["q"].to(torch.complex128)), r"q must be real"),
]


@pytest.mark.parametrize(("case", "mutate", "match"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_inputs(lib: object, case: str, mutate: object, match: str) -> None:
    d = _base()
    mutate(d)  # type: ignore[operator]
    with pytest.raises(ValueError, match=match):
        solve_qp(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])


def test_psd_check_tolerance(lib: object) -> None:
    """Singular PSD matrices and rounding-size negative eigenvalues pass the PSD
    check; a clearly negative eigenvalue in one batch element is reported."""
    d = _base()
    U = torch.linalg.qr(
        torch.randn(4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    )[0]
    ok = [
        torch.zeros(4, 4, dtype=torch.float64),
        U @ torch.diag(torch.tensor([2.0, 1.0, 0.0, 0.0], dtype=torch.float64)) @ U.T,
        U @ torch.diag(torch.tensor([2.0, 1.0, 0.5, -1e-12], dtype=torch.float64)) @ U.T,
    ]
    for P in ok:
        P = 0.5 * (P + P.T)
        solve_qp(P, d["q"], d["G"], d["h"], d["A"], d["b"])
    bad = U @ torch.diag(torch.tensor([2.0, 1.0, 0.5, -1e-5], dtype=torch.float64)) @ U.T
    P = torch.stack([ok[1], ok[2], 0.5 * (bad + bad.T)])
    with pytest.raises(
        ValueError,
        match=r"P \(batch element 2\) is not positive semidefinite: min eigenvalue -1e-05",
    ):
        solve_qp(P, d["q"], d["G"], d["h"], d["A"], d["b"])


def test_bad_options(lib: object) -> None:
    d = _base()
    args = (d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])
    with pytest.raises(ValueError, match="on_failure"):
        solve_qp(*args, on_failure="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol_feas"):
        solve_qp(*args, settings={"tol_feas": -1.0})
    with pytest.raises(ValueError, match="bogus"):
        solve_qp(*args, settings={"bogus": 1})
    with pytest.raises(ValueError, match="backward"):
        solve_qp(*args, backward="adjoint")
    with pytest.raises(ValueError, match="settings"):
        solve_qp(*args, settings=42)  # type: ignore[arg-type]


def test_settings_mutated_after_construction_is_revalidated(lib: object) -> None:
    from lpgd_go import SolverSettings

    d = _base()
    s = SolverSettings()
    s.max_iter = 0
    with pytest.raises(ValueError, match="max_iter"):
        solve_qp(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"], settings=s)


# ---------------------------------------------------------------------------
# Backward failures: out_status BACKWARD_FAILED / INTERNAL_ERROR for a sample.
# ---------------------------------------------------------------------------


def _interval_qp(batch: int) -> dict[str, torch.Tensor]:
    """min ½x² − x/2 s.t. 0 ≤ x ≤ 1 (x* = 1/2), batched over q and h."""
    f64 = torch.float64
    return {
        "P": torch.eye(1, dtype=f64),
        "q": torch.full((batch, 1), -0.5, dtype=f64, requires_grad=True),
        "G": torch.tensor([[1.0], [-1.0]], dtype=f64),
        "h": torch.tensor([[1.0, 0.0]] * batch, dtype=f64, requires_grad=True),
    }


def test_lpgd_backward_failure_raise_and_nan(lib: object) -> None:
    from lpgd_go import LPGD

    # The right-side LPGD perturbation h -> h - tau*dy makes sample 1 infeasible
    # (upper bound 1 - 1 = 0 below lower bound 1) when dy = (1, 1) and tau = 1.
    d = _interval_qp(2)
    x, info = solve_qp(d["P"], d["q"], d["G"], d["h"], backward=LPGD(tau=1.0), return_info=True)
    w = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    with pytest.raises(SolverError, match=r"backward.*\[1\].*tau") as exc:
        (x.sum() + (w * info.ineq_duals).sum()).backward()
    assert exc.value.indices == [1]
    assert exc.value.status.tolist()[1] == Status.BACKWARD_FAILED

    d = _interval_qp(2)
    x, info = solve_qp(
        d["P"], d["q"], d["G"], d["h"], backward=LPGD(tau=1.0), on_failure="nan", return_info=True
    )
    (x.sum() + (w * info.ineq_duals).sum()).backward()
    assert (d["q"].grad[1] == 0).all() and (d["h"].grad[1] == 0).all()
    one = _interval_qp(1)
    x1, info1 = solve_qp(
        one["P"], one["q"], one["G"], one["h"], backward=LPGD(tau=1.0), return_info=True
    )
    (x1.sum() + (w[:1] * info1.ineq_duals).sum()).backward()
    torch.testing.assert_close(d["q"].grad[0], one["q"].grad[0])
    torch.testing.assert_close(d["h"].grad[0], one["h"].grad[0])


def test_backward_panic_in_worker(debug_lib: object) -> None:
    # lpgd_debug_panic exists only in the debug build: run on it in a subprocess.
    run_on_debug_lib(
        debug_lib,  # type: ignore[arg-type]
        """
import pytest
from lpgd_go import SolverError, _lib, solve_qp
from test_qp_failures import _interval_qp

for mode in ("raise", "nan"):
    d = _interval_qp(3)
    x = solve_qp(d["P"], d["q"], d["G"], d["h"], on_failure=mode)
    _lib.lib().lpgd_debug_panic(2, 1)
    try:
        if mode == "raise":
            with pytest.raises(SolverError, match=r"\\[1\\].*internal_error"):
                x.sum().backward()
        else:
            x.sum().backward()
            assert d["q"].grad[:, 0].tolist() == pytest.approx([-1.0, 0.0, -1.0])
    finally:
        _lib.lib().lpgd_debug_panic(0, 0)
""",
    )
