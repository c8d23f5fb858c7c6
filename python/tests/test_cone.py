"""solve_cone / ConeLayer: SOC fixtures with closed-form solutions, failures,
layouts, batching, gradients (gradcheck) and validation messages."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import lpgd_go
from lpgd_go import BPQP, LPGD, ConeLayer, Cones, SolverError, SparseMatrix, Status, solve_cone

from conftest import TIGHT

F64 = torch.float64


def _soc_projection(z: torch.Tensor) -> torch.Tensor:
    """Euclidean projection onto {(t, u): ‖u‖ ≤ t} (closed form)."""
    t, u = z[0], z[1:]
    nu = float(u.norm())
    if nu <= t:
        return z.clone()
    if nu <= -t:
        return torch.zeros_like(z)
    a = 0.5 * (1.0 + t / nu)
    return torch.cat([a * nu * torch.ones(1, dtype=z.dtype), a * u])


def _proj_problem(d: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P, A, b of  min ½‖x − z‖²  s.t.  x ∈ SOC(d)  (c = −z)."""
    return torch.eye(d, dtype=F64), -torch.eye(d, dtype=F64), torch.zeros(d, dtype=F64)


@pytest.mark.parametrize(
    "z",
    [
        [1.0, 2.0, 0.5],  # outside: projected onto the boundary
        [3.0, 1.0, -1.0],  # inside the cone
        [-3.0, 1.0, 0.5],  # inside the polar cone: projects to 0
        [0.2, -1.0, 2.0, 0.3],
    ],
)
def test_soc_projection_closed_form(lib: object, z: list[float]) -> None:
    zt = torch.tensor(z, dtype=F64)
    d = len(z)
    P, A, b = _proj_problem(d)
    x, y, s = solve_cone(P, -zt, A, b, Cones(soc=[d]), settings=TIGHT)
    ref = _soc_projection(zt)
    torch.testing.assert_close(x, ref, atol=1e-7, rtol=0)
    torch.testing.assert_close(s, x, atol=1e-9, rtol=0)  # s = b − Ax = x
    # Dual: x − z + Aᵀy = 0  ⇒  y = x − z ∈ SOC (the projection onto the polar cone, negated).
    torch.testing.assert_close(y, ref - zt, atol=1e-7, rtol=0)


def _ball(z: torch.Tensor, r: float, **kw: object) -> torch.Tensor:
    """x of  min ½‖x − z‖²  s.t.  ‖x‖ ≤ r  (rows: (r, x) ∈ SOC(n+1))."""
    n = z.shape[-1]
    A = torch.cat([torch.zeros(1, n, dtype=F64), -torch.eye(n, dtype=F64)])
    b = torch.cat([torch.tensor([r], dtype=F64), torch.zeros(n, dtype=F64)])
    x, _, _ = solve_cone(torch.eye(n, dtype=F64), -z, A, b, Cones(soc=[n + 1]), **kw)  # type: ignore[arg-type]
    return x


def _ball_case() -> tuple[torch.Tensor, float, torch.Tensor, torch.Tensor]:
    """z outside the ball, r, a weight w and the closed-form zᵀ-gradient of w·x:
    x = r z/‖z‖, ∂x/∂z = (r/‖z‖)(I − z zᵀ/‖z‖²)."""
    z = torch.tensor([2.0, -1.0, 0.5], dtype=F64)
    r = 1.5
    w = torch.tensor([0.3, -0.7, 1.1], dtype=F64)
    nz = float(z.norm())
    J = (r / nz) * (torch.eye(3, dtype=F64) - torch.outer(z, z) / nz**2)
    return z, r, w, J.T @ w


def test_ball_projection_lpgd_gradient(lib: object) -> None:
    z, r, w, grad = _ball_case()
    zr = z.clone().requires_grad_()
    x = _ball(zr, r, backward=LPGD(tau=1e-6), settings=TIGHT)
    torch.testing.assert_close(x.detach(), z * r / z.norm(), atol=1e-8, rtol=0)
    (w * x).sum().backward()
    torch.testing.assert_close(zr.grad, grad, atol=1e-5, rtol=0)


# Past failure: the kkt backward used the NT scaling W² of the SOC block at the
# returned (s, y), within rounding of the cone boundary, where W² is
# numerically meaningless (the gradient came out ~1.3x the true one). It now
# uses the derivative of the projection (diff.socDerivativeH).


def test_ball_projection_kkt_gradient(lib: object) -> None:
    z, r, w, grad = _ball_case()
    zr = z.clone().requires_grad_()
    (w * _ball(zr, r, settings=TIGHT)).sum().backward()
    torch.testing.assert_close(zr.grad, grad, atol=1e-5, rtol=0)


CONES = Cones(zero=1, nonneg=3, soc=[3, 4])


def _socp(seed: int, soc_active: bool = False, n: int = 4, density: float = 1.0) -> dict:
    """A strictly complementary problem on CONES built from its solution: zero
    row; nonneg rows 1 active, 2 inactive; SOC(3) on the boundary with a dual on
    the complementary ray (soc_active) or strictly inside with zero dual; SOC(4)
    strictly inside. With density < 1 entries of A are zeroed (rows 1..n keep
    their diagonal). Returns L (P = LLᵀ/n + I/2 is built from it), c, A, b and
    the solution x, y, s."""
    g = torch.Generator().manual_seed(seed)

    def rand(k: int) -> torch.Tensor:
        return torch.rand(k, generator=g, dtype=F64)

    m = CONES.dim
    A = torch.randn(m, n, generator=g, dtype=F64)
    if density < 1.0:
        keep = rand(m * n).reshape(m, n) < density
        keep[1 : n + 1] |= torch.eye(n, dtype=torch.bool)
        A = A * keep
    L = torch.randn(n, n, generator=g, dtype=F64)
    x = torch.randn(n, generator=g, dtype=F64)
    s = torch.zeros(m, dtype=F64)
    y = torch.zeros(m, dtype=F64)
    y[0] = torch.randn(1, generator=g, dtype=F64)
    y[1] = 0.5 + rand(1)
    s[2:4] = 0.5 + rand(2)
    u = torch.randn(2, generator=g, dtype=F64)
    u = u / u.norm()
    one = torch.ones(1, dtype=F64)
    if soc_active:
        s[4:7] = (0.5 + rand(1)) * torch.cat([one, u])
        y[4:7] = (0.5 + rand(1)) * torch.cat([one, -u])
    else:
        s[4:7] = torch.cat([2 * one, u])
    v = torch.randn(3, generator=g, dtype=F64)
    s[7:11] = torch.cat([2 * one, v / v.norm()])
    b = A @ x + s
    c = -(_P(L) @ x + A.T @ y)
    return {"L": L, "c": c, "A": A, "b": b, "x": x, "y": y, "s": s}


def _P(L: torch.Tensor) -> torch.Tensor:
    return L @ L.transpose(-1, -2) / L.shape[-1] + 0.5 * torch.eye(L.shape[-1], dtype=L.dtype)


def test_known_solution(lib: object) -> None:
    """The fixtures' solutions are recovered (SOC block active and inactive)."""
    for active, tol in ((False, 1e-8), (True, 1e-4)):
        d = _socp(3, soc_active=active)
        settings = TIGHT if not active else None
        x, y, s = solve_cone(_P(d["L"]), d["c"], d["A"], d["b"], CONES, settings=settings)
        # An active SOC block limits the attainable accuracy of both lpgd_go and
        # Clarabel to ~sqrt(gap) along the boundary (Clarabel: 3e-7 at best).
        for got, want in ((x, d["x"]), (y, d["y"]), (s, d["s"])):
            torch.testing.assert_close(got, want, atol=tol, rtol=0)


def _gradcheck_fn(d: dict, backward: object = "kkt") -> object:
    def fn(L: torch.Tensor, c: torch.Tensor, A: torch.Tensor, b: torch.Tensor) -> tuple:
        x, y, s = solve_cone(_P(L), c, A, b, CONES, settings=TIGHT, backward=backward)
        return x, y, s

    return fn


def test_gradcheck_cone_dense(lib: object) -> None:
    """P (through L), c, A, b on zero × nonneg × SOC × SOC (SOC blocks inactive)."""
    d = _socp(0)
    args = tuple(d[k].clone().requires_grad_() for k in ("L", "c", "A", "b"))
    assert torch.autograd.gradcheck(_gradcheck_fn(d), args, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_gradcheck_cone_active_soc_kkt(lib: object) -> None:
    """P (through L), c, A, b with an active SOC block, kkt backward."""
    d = _socp(0, soc_active=True)
    args = tuple(d[k].clone().requires_grad_() for k in ("L", "c", "A", "b"))

    def fn(L: torch.Tensor, c: torch.Tensor, A: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return solve_cone(_P(L), c, A, b, CONES)[0]

    # The forward pass is only ~1e-6 accurate with an active SOC block: wide steps.
    assert torch.autograd.gradcheck(fn, args, eps=1e-3, atol=2e-3, rtol=1e-2)


def test_gradcheck_cone_active_soc_lpgd(lib: object) -> None:
    """With an active SOC block, LPGD with a small tau is the exact gradient."""
    d = _socp(0, soc_active=True)
    args = tuple(d[k].clone().requires_grad_() for k in ("c", "b"))

    def fn(c: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return solve_cone(_P(d["L"]), c, d["A"], b, CONES, backward=LPGD(tau=1e-5))[0]

    assert torch.autograd.gradcheck(fn, args, eps=1e-3, atol=2e-3, rtol=1e-2)


def test_gradcheck_socp_sparse_values(lib: object) -> None:
    """Gradients on the values of SparseMatrix P (full symmetric pattern) and A."""
    d = _socp(1, density=0.6)
    n = d["c"].shape[0]
    Pd = _P(d["L"]).detach()
    Pd[0, 3] = Pd[3, 0] = 0.0  # a pattern that is not full
    Ppat = sp.coo_matrix(Pd.numpy())
    rows, cols = Ppat.row, Ppat.col
    upper = rows <= cols
    # Parametrize the symmetric values by the upper triangle so that every
    # perturbation keeps P symmetric.
    up_index = {
        (int(i), int(j)): k for k, (i, j) in enumerate(zip(rows[upper], cols[upper], strict=False))
    }
    gather = torch.tensor(
        [up_index[(min(i, j), max(i, j))] for i, j in zip(rows, cols, strict=False)]
    )
    pu = torch.tensor(Ppat.data[upper], dtype=F64)
    Apat = sp.coo_matrix(d["A"].numpy())
    av = torch.tensor(Apat.data, dtype=F64)

    def fn(pu: torch.Tensor, c: torch.Tensor, av: torch.Tensor, b: torch.Tensor) -> tuple:
        P = SparseMatrix(Ppat, pu[gather])
        x, y, _ = solve_cone(P, c, SparseMatrix(Apat, av), b, CONES, settings=TIGHT)
        return x, y

    args = tuple(t.clone().requires_grad_() for t in (pu, d["c"], av, d["b"]))
    assert n == 4
    assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
def test_layouts_agree(lib: object) -> None:
    """dense, torch COO/CSR, SparseMatrix and scipy inputs give the same solution and
    the same gradients (on the pattern)."""
    d = _socp(2, density=0.6)
    P = _P(d["L"]).detach()
    P[0, 2] = P[2, 0] = 0.0  # a P pattern that is not full
    A = d["A"].clone()
    w = torch.randn(4, dtype=F64, generator=torch.Generator().manual_seed(3))

    def run(Parg: object, Aarg: object, leaves: list[torch.Tensor]) -> tuple:
        x, y, s = solve_cone(Parg, d["c"], Aarg, d["b"], CONES, settings=TIGHT)
        (w * x).sum().backward()
        return x.detach(), y.detach(), s.detach(), [t.grad for t in leaves]

    Pd, Ad = P.clone().requires_grad_(), A.clone().requires_grad_()
    ref = run(Pd, Ad, [Pd, Ad])
    gP_dense, gA_dense = ref[3]
    mask_A = A != 0
    mask_P = P != 0  # sparse gradients live on the pattern

    Pc, Ac = P.to_sparse_coo().requires_grad_(), A.to_sparse_coo().requires_grad_()
    out = run(Pc, Ac, [Pc, Ac])
    for a, b in zip(out[:3], ref[:3], strict=False):
        torch.testing.assert_close(a, b, atol=1e-8, rtol=0)
    assert out[3][1].layout == torch.sparse_coo
    torch.testing.assert_close(out[3][0].to_dense(), gP_dense * mask_P, atol=1e-7, rtol=0)
    torch.testing.assert_close(out[3][1].to_dense(), gA_dense * mask_A, atol=1e-7, rtol=0)

    Pr, Ar = P.to_sparse_csr().requires_grad_(), A.to_sparse_csr().requires_grad_()
    out = run(Pr, Ar, [Pr, Ar])
    torch.testing.assert_close(out[0], ref[0], atol=1e-8, rtol=0)
    torch.testing.assert_close(out[3][1].to_dense(), gA_dense * mask_A, atol=1e-7, rtol=0)

    Acsr = sp.csr_matrix(A.numpy())
    av = torch.tensor(Acsr.tocoo().data, dtype=F64, requires_grad=True)
    out = run(sp.csr_matrix(P.numpy()), SparseMatrix(Acsr, av), [av])
    torch.testing.assert_close(out[0], ref[0], atol=1e-8, rtol=0)
    coo = Acsr.tocoo()
    torch.testing.assert_close(out[3][0], gA_dense[coo.row, coo.col], atol=1e-7, rtol=0)

    # Sparse and dense linear solvers inside Go agree as well.
    for ls in ("dense", "sparse"):
        x, _, _ = solve_cone(
            sp.csr_matrix(P.numpy()),
            d["c"],
            Acsr,
            d["b"],
            CONES,
            settings=TIGHT.replace(linear_solver=ls),
        )
        torch.testing.assert_close(x, ref[0], atol=1e-8, rtol=0)


def test_batched_and_shared_inputs(lib: object) -> None:
    """Shared A and P with batched c, b equal per-sample solves; shared gradients
    are sums over the batch."""
    B = 3
    ds = [_socp(10 + k) for k in range(B)]
    d0 = ds[0]
    P = _P(d0["L"]).detach().requires_grad_()
    A = d0["A"].clone().requires_grad_()
    shift = torch.randn(B, 4, dtype=F64, generator=torch.Generator().manual_seed(1))
    # b_k = A (x0 + shift_k) + s0: the same strictly feasible slack for every sample.
    b = torch.stack([d0["b"] + d0["A"] @ (0.1 * shift[k]) for k in range(B)]).requires_grad_()
    c = torch.stack([d["c"] for d in ds]).requires_grad_()
    x, y, s = solve_cone(P, c, A, b, CONES, settings=TIGHT)
    assert x.shape == (B, 4) and y.shape == (B, CONES.dim) and s.shape == (B, CONES.dim)
    x.sum().backward()
    gP, gA = P.grad.clone(), A.grad.clone()
    gP_sum = torch.zeros_like(gP)
    gA_sum = torch.zeros_like(gA)
    for k in range(B):
        Pk, Ak = P.detach().clone().requires_grad_(), A.detach().clone().requires_grad_()
        xk, _, _ = solve_cone(Pk, c[k].detach(), Ak, b[k].detach(), CONES, settings=TIGHT)
        torch.testing.assert_close(xk, x[k].detach(), atol=1e-9, rtol=0)
        xk.sum().backward()
        gP_sum += Pk.grad
        gA_sum += Ak.grad
    torch.testing.assert_close(gP, gP_sum, atol=1e-8, rtol=0)
    torch.testing.assert_close(gA, gA_sum, atol=1e-8, rtol=0)
    # A batch of one keeps its batch dimension.
    x1, _, _ = solve_cone(P.detach(), c[:1].detach(), A.detach(), b[:1].detach(), CONES)
    assert x1.shape == (1, 4)


def test_float32_and_layer(lib: object) -> None:
    d = _socp(4)
    layer = ConeLayer(CONES, return_info=True)
    c = d["c"].float().requires_grad_()
    x, y, _s, info = layer(_P(d["L"]).float(), c, d["A"].float(), d["b"].float())
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    assert int(info.status) == Status.SOLVED and int(info.iterations) > 0
    x.sum().backward()
    assert c.grad is not None and c.grad.dtype == torch.float32
    x64, _, _ = solve_cone(_P(d["L"]), d["c"], d["A"], d["b"], CONES)
    torch.testing.assert_close(x.detach().double(), x64, atol=1e-4, rtol=1e-4)
    assert "soc=(3, 4)" in repr(layer)
    with pytest.raises(TypeError, match="unexpected keyword"):
        layer(None, c, d["A"], d["b"], tol=1)
    with pytest.raises(ValueError, match="cones must be given"):
        ConeLayer()(None, c, d["A"], d["b"])


def _infeasible_unbounded() -> tuple[torch.Tensor, ...]:
    """Batch of 3 SOCPs in x ∈ R²:  sample 0 feasible, 1 primal infeasible
    (x₀ = −1 and (x₀, x₁) ∈ SOC), 2 unbounded (min −x₀ over the cone)."""
    A = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, -1.0]], dtype=F64)
    # rows: zero row x₀ + s = b₀; SOC rows s = (x₀, x₁) + (b₁, b₂)
    b = torch.tensor([[2.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=F64)
    A_b = torch.stack([A, A, A[1:].new_zeros(3, 2)])
    A_b[2, 1:] = A[1:]  # sample 2: no equality row
    c = torch.tensor([[0.0, 1.0], [0.0, 1.0], [-1.0, 0.0]], dtype=F64)
    return c, A_b, b


def test_infeasible_and_unbounded_statuses(lib: object) -> None:
    c, A, b = _infeasible_unbounded()
    cones = Cones(zero=1, soc=[2])
    with pytest.raises(SolverError) as exc:
        solve_cone(None, c, A, b, cones)
    assert exc.value.indices == [1, 2]
    assert "primal_infeasible" in str(exc.value) and "dual_infeasible" in str(exc.value)
    cr = c.clone().requires_grad_()
    br = b.clone().requires_grad_()
    x, y, _s, info = solve_cone(None, cr, A, br, cones, on_failure="nan", return_info=True)
    assert info.status.tolist() == [Status.SOLVED, Status.PRIMAL_INFEASIBLE, Status.DUAL_INFEASIBLE]
    assert torch.isfinite(x[0]).all() and torch.isnan(x[1:]).all() and torch.isnan(y[1:]).all()
    torch.testing.assert_close(x[0], torch.tensor([2.0, -2.0], dtype=F64), atol=1e-7, rtol=0)
    torch.nan_to_num(x).sum().backward()
    assert torch.isfinite(cr.grad).all() and (cr.grad[1:] == 0).all() and (br.grad[1:] == 0).all()
    assert cr.grad[0].abs().sum() > 0
    # Unbatched failure message.
    with pytest.raises(SolverError, match="status primal_infeasible"):
        solve_cone(None, c[1], A[1], b[1], cones)


def test_backward_methods(lib: object) -> None:
    """BPQP on a cone program without SOC matches kkt; BPQP's ADMM solver with SOC
    is rejected up front; on an SOCP LPGD with a small tau approaches kkt and BPQP
    equals it."""
    g = torch.Generator().manual_seed(5)
    n, m = 4, 6
    G = torch.randn(m, n, generator=g, dtype=F64)
    b = G @ torch.randn(n, generator=g, dtype=F64) + torch.rand(m, generator=g, dtype=F64)
    c = torch.randn(n, generator=g, dtype=F64)
    P = torch.eye(n, dtype=F64)
    grads = {}
    for method in ("kkt", "bpqp"):
        cr = c.clone().requires_grad_()
        x, _, _ = solve_cone(P, cr, G, b, Cones(nonneg=m), backward=method, settings=TIGHT)
        x.sum().backward()
        grads[method] = cr.grad
    torch.testing.assert_close(grads["bpqp"], grads["kkt"], atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="second-order cones"):
        solve_cone(P, c, G, b, Cones(nonneg=2, soc=[4]), backward=BPQP(solver="admm"))
    with pytest.raises(ValueError, match="second-order cones"):
        ConeLayer(Cones(soc=[3]), backward=BPQP(solver="admm"))

    d = _socp(6)
    res = {}
    for name, method in (("kkt", "kkt"), ("lpgd", LPGD(tau=1e-5)), ("bpqp", "bpqp")):
        cr = d["c"].clone().requires_grad_()
        br = d["b"].clone().requires_grad_()
        x, _, _ = solve_cone(_P(d["L"]), cr, d["A"], br, CONES, backward=method, settings=TIGHT)
        x.sum().backward()
        res[name] = torch.cat([cr.grad, br.grad])
    torch.testing.assert_close(res["lpgd"], res["kkt"], atol=1e-4, rtol=1e-4)
    # BPQP with the cones' curvature term: kkt's gradient.
    torch.testing.assert_close(res["bpqp"], res["kkt"], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("active", [False, True])
def test_bpqp_socp_matches_kkt(lib: object, active: bool) -> None:
    """BPQP on SOCPs with inactive and active second-order cones equals kkt."""
    d = _socp(3, soc_active=active)
    res = {}
    for method in ("kkt", "bpqp"):
        cr = d["c"].clone().requires_grad_()
        br = d["b"].clone().requires_grad_()
        Ar = d["A"].clone().requires_grad_()
        x, y, _ = solve_cone(_P(d["L"]), cr, Ar, br, CONES, backward=method, settings=TIGHT)
        (x.sum() + (y * torch.linspace(-1, 1, y.shape[-1], dtype=F64)).sum()).backward()
        res[method] = torch.cat([cr.grad.flatten(), br.grad.flatten(), Ar.grad.flatten()])
    torch.testing.assert_close(res["bpqp"], res["kkt"], atol=1e-6, rtol=1e-6)


def test_incoming_gradients_on_y_and_s(lib: object) -> None:
    """Gradients through y and s (not only x) agree with finite differences."""
    d = _socp(7)

    def fn(c: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        _x, y, s = solve_cone(_P(d["L"]), c, d["A"], b, CONES, settings=TIGHT)
        return torch.cat([y, s])

    args = (d["c"].clone().requires_grad_(), d["b"].clone().requires_grad_())
    assert torch.autograd.gradcheck(fn, args, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_validation_messages(lib: object) -> None:
    d = _socp(8)
    P, c, A, b = _P(d["L"]), d["c"], d["A"], d["b"]
    with pytest.raises(ValueError, match=r"Cones.soc\[1\] must be an int >= 1"):
        Cones(soc=[3, 0])
    with pytest.raises(ValueError, match=r"Cones\.nonneg must be an int >= 0"):
        Cones(nonneg=-1)
    with pytest.raises(ValueError, match="sequence of cone dimensions"):
        Cones(soc=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cones cover 5 rows"):
        solve_cone(P, c, A, b, Cones(nonneg=5))
    with pytest.raises(ValueError, match=r"A must have shape \(m, n\) or \(batch, m, n\)"):
        solve_cone(P, c, A[:, :3], b, CONES)
    with pytest.raises(ValueError, match="batch sizes of the arguments differ: c has 2, b has 3"):
        solve_cone(P, c.expand(2, -1), A, b.expand(3, -1), CONES)
    bb = b.expand(2, -1).clone()
    bb[1, 4] = float("nan")
    with pytest.raises(
        ValueError,
        match=r"b contains a non-finite value \(nan\) at index \(4,\) of batch element 1",
    ):
        solve_cone(P, c, A, bb, CONES)
    As = sp.coo_matrix(A.numpy())
    vals = torch.tensor(As.data, dtype=F64)
    vals[5] = float("inf")
    with pytest.raises(
        ValueError,
        match=rf"A contains a non-finite value \(inf\) at index \({As.row[5]}, {As.col[5]}\)",
    ):
        solve_cone(P, c, SparseMatrix(As, vals), b, CONES)
    with pytest.raises(ValueError, match="values must have shape"):
        solve_cone(P, c, SparseMatrix(As, vals[:-1]), b, CONES)
    with pytest.raises(ValueError, match="not symmetric"):
        solve_cone(sp.triu(sp.csr_matrix(P.numpy())), c, A, b, CONES)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        solve_cone(-P, c, A, b, CONES)
    dup = sp.coo_matrix((np.ones(2), ([0, 0], [1, 1])), shape=A.shape)
    with pytest.raises(ValueError, match=r"duplicate entries at \(0, 1\)"):
        solve_cone(P, c, SparseMatrix(dup, torch.ones(2, dtype=F64)), b, CONES)
    Acsc = A.to_sparse_csc().requires_grad_()
    with pytest.raises(ValueError, match="CSC tensors"):
        solve_cone(P, c, Acsc, b, CONES)
    with pytest.raises(ValueError, match="must be 2-D"):
        solve_cone(P, c, A.expand(2, -1, -1).to_sparse(), b, CONES)
    with pytest.raises(ValueError, match="on_failure"):
        solve_cone(P, c, A, b, CONES, on_failure="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"cones must be an lpgd_go\.Cones"):
        solve_cone(P, c, A, b, {"soc": [3]})  # type: ignore[arg-type]


def test_lp_without_p_and_structure_reuse(lib: object) -> None:
    """P = None (an LP over the box), and one Go structure per pattern is reused."""
    n = 3
    A = torch.cat([torch.eye(n), -torch.eye(n)]).double()
    b = torch.ones(2 * n, dtype=F64)
    c = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    before = lpgd_go._lib.handle_count()
    for _ in range(3):
        x, _, _ = solve_cone(None, c, A.to_sparse(), b, Cones(nonneg=2 * n))
    assert lpgd_go._lib.handle_count() - before <= 1
    torch.testing.assert_close(x, torch.tensor([-1.0, 1.0, -1.0], dtype=F64), atol=1e-6, rtol=0)
